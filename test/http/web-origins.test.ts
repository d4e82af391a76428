// DESIGN.md "Web origins and hosts" over plain HTTP: the CORS answers of every route with and
// without --cors-origin, and the Host check (DNS rebinding) on requests and WebSocket upgrades.
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { leftovers } from '../support/leftovers.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request through node:http, which (unlike fetch) sends the Host and Origin headers it is given. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

const corsHeaderNames = (headers: IncomingHttpHeaders) =>
  Object.keys(headers).filter((name) => name.startsWith('access-control-'));

function preflight(url: string, origin: string, method: string, requestHeaders: string): Promise<RawResponse> {
  return send(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': requestHeaders },
  });
}

const graphqlPost = (query: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query }),
});

/** Answers with the status the upgrade got: 101 when the socket opened, else the refusal's. */
async function upgradeStatus(url: string, headers: { host?: string; origin?: string }): Promise<number> {
  const socket = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', {
    origin: headers.origin,
    headers: headers.host === undefined ? {} : { host: headers.host },
  });
  const outcome = await Promise.race([
    once(socket, 'open').then(() => 101),
    once(socket, 'unexpected-response').then(([, response]) => (response as { statusCode: number }).statusCode),
  ]);
  socket.terminate();
  return outcome;
}

const pageOrigin = 'http://app.example:8080';

async function uploadOneArtifact(server: TestServer): Promise<string> {
  const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    server.url,
    'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
    { file: null },
    [{ variablePath: 'variables.file', content: Buffer.from('a,b\n1,2\n'), filename: 'table.csv' }],
  );
  return body.data!.uploadArtifact.artifactId;
}

describe('without --cors-origin', () => {
  let server: TestServer;
  let artifactId: string;
  beforeAll(async () => {
    server = await startTestServer();
    await server.graphql('mutation { createStudy(name: "origins") { studyId } }');
    artifactId = await uploadOneArtifact(server);
  });
  afterAll(() => server.stop());

  it.each([
    ['/graphql', 'POST', 'content-type, x-graphql-yoga-csrf'],
    ['/artifacts/{id}', 'GET', 'range'],
    ['/uploads/some-token', 'PUT', 'content-type'],
  ])('fails the preflight of another origin on %s: 403 and no CORS header', async (path, method, requestHeaders) => {
    const response = await preflight(
      `${server.url}${path.replace('{id}', artifactId)}`,
      pageOrigin,
      method,
      requestHeaders,
    );
    expect(response.status).toBe(403);
    expect(corsHeaderNames(response.headers)).toEqual([]);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('sends no Access-Control-* header on any route, whatever the Origin', async () => {
    const origin = { origin: pageOrigin };
    const responses = await Promise.all([
      send(`${server.url}/graphql`, {
        ...graphqlPost('{ studies { totalCount } }'),
        headers: { 'content-type': 'application/json', ...origin },
      }),
      send(`${server.url}/graphql?query=${encodeURIComponent('{ studies { totalCount } }')}`, { headers: origin }),
      send(`${server.url}/artifacts/${artifactId}`, { headers: origin }),
      send(`${server.url}/healthz`, { headers: origin }),
      send(`${server.url}/readyz`, { headers: origin }),
      send(`${server.url}/nowhere`, { headers: origin }),
    ]);
    for (const response of responses) expect(corsHeaderNames(response.headers)).toEqual([]);
    // The answers themselves are unchanged: refusing to share them is the browser's part.
    expect(JSON.parse(responses[0]!.body).data.studies.totalCount).toBe(1);
  });
});

describe('with --cors-origin', () => {
  let server: TestServer;
  let artifactId: string;
  beforeAll(async () => {
    server = await startTestServer(['--cors-origin', pageOrigin]);
    await server.graphql('mutation { createStudy(name: "origins") { studyId } }');
    artifactId = await uploadOneArtifact(server);
  });
  afterAll(() => server.stop());

  it('allows a GraphQL upload from that origin: the CSRF header, content-type and Authorization', async () => {
    const response = await preflight(
      `${server.url}/graphql`,
      pageOrigin,
      'POST',
      'authorization, content-type, x-graphql-yoga-csrf',
    );
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(pageOrigin);
    expect(response.headers['access-control-allow-methods']).toContain('POST');
    const allowedHeaders = response.headers['access-control-allow-headers']!.split(', ');
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-graphql-yoga-csrf']));
    // One CORS implementation: Yoga's own (which allowed credentials for any origin) is off.
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('allows ranged downloads and staged-upload PUTs from that origin', async () => {
    const download = await preflight(`${server.url}/artifacts/${artifactId}`, pageOrigin, 'GET', 'range');
    expect(download.status).toBe(204);
    expect(download.headers['access-control-allow-headers']).toContain('range');
    const upload = await preflight(`${server.url}/uploads/some-token`, pageOrigin, 'PUT', 'content-type');
    expect(upload.status).toBe(204);
    expect(upload.headers['access-control-allow-methods']).toContain('PUT');
  });

  it('shares answers with that origin only, and exposes the download headers but no Content-Encoding', async () => {
    const graphql = await send(`${server.url}/graphql`, {
      ...graphqlPost('{ studies { totalCount } }'),
      headers: { 'content-type': 'application/json', origin: pageOrigin },
    });
    expect(graphql.headers['access-control-allow-origin']).toBe(pageOrigin);
    expect(graphql.headers.vary).toContain('Origin');
    const download = await send(`${server.url}/artifacts/${artifactId}`, { headers: { origin: pageOrigin } });
    expect(download.headers['access-control-allow-origin']).toBe(pageOrigin);
    const exposed = download.headers['access-control-expose-headers']!.split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['content-disposition', 'content-length', 'etag']));
    expect(exposed).not.toContain('content-encoding');
  });

  it.each(['https://app.example:8080', 'http://app.example', 'http://app.example:8081', 'http://evil.example:8080'])(
    'refuses %s (scheme, host and port are compared)',
    async (otherOrigin) => {
      const refused = await preflight(`${server.url}/graphql`, otherOrigin, 'POST', 'content-type');
      expect(refused.status).toBe(403);
      expect(corsHeaderNames(refused.headers)).toEqual([]);
      const answer = await send(`${server.url}/artifacts/${artifactId}`, { headers: { origin: otherOrigin } });
      expect(corsHeaderNames(answer.headers)).toEqual([]);
      expect(await upgradeStatus(server.url, { origin: otherOrigin })).toBe(403);
    },
  );

  it('accepts WebSocket upgrades from that origin', async () => {
    expect(await upgradeStatus(server.url, { origin: pageOrigin })).toBe(101);
  });
});

describe('the Host check (DNS rebinding), on a loopback bind with the default --allowed-host', () => {
  let server: TestServer;
  let port: string;
  beforeAll(async () => {
    server = await startTestServer();
    port = new URL(server.url).port;
  });
  afterAll(() => server.stop());

  it.each([
    '/healthz',
    '/readyz',
    '/graphql?query=%7B__typename%7D',
    '/artifacts/00000000-0000-4000-8000-000000000000',
    '/',
  ])('answers GET %s with Host: attacker.example with 403 FORBIDDEN', async (path) => {
    const response = await send(`${server.url}${path}`, { headers: { host: `attacker.example:${port}` } });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('runs no mutation and stores no upload for a foreign Host', async () => {
    const mutation = await send(`${server.url}/graphql`, {
      ...graphqlPost('mutation { createStudy(name: "rebound") { studyId } }'),
      headers: { 'content-type': 'application/json', host: `attacker.example:${port}` },
    });
    expect(mutation.status).toBe(403);
    const upload = await send(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=B',
        'x-graphql-yoga-csrf': '1',
        host: `attacker.example:${port}`,
      },
      body: [
        '--B\r\nContent-Disposition: form-data; name="operations"\r\n\r\n',
        JSON.stringify({
          query: 'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
          variables: { file: null },
        }),
        '\r\n--B\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}',
        '\r\n--B\r\nContent-Disposition: form-data; name="0"; filename="a.txt"\r\n\r\nx\r\n--B--\r\n',
      ].join(''),
    });
    expect(upload.status).toBe(403);
    const listed = await server.graphql<{ studies: { totalCount: number } }>('{ studies { totalCount } }');
    expect(listed.data!.studies.totalCount).toBe(0);
    expect(leftovers(join(server.directory, 'optuna.db'), join(server.directory, 'artifacts')).metadataKeys).toEqual(
      [],
    );
  });

  it('accepts the loopback names on any port, in any case', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`, 'localhost']) {
      expect((await send(`${server.url}/healthz`, { headers: { host } })).status).toBe(200);
    }
  });

  it("refuses a WebSocket upgrade with a foreign Host, even when the Origin matches it as a rebound page's does", async () => {
    expect(await upgradeStatus(server.url, { host: `attacker.example:${port}` })).toBe(403);
    expect(
      await upgradeStatus(server.url, { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` }),
    ).toBe(403);
    expect(await upgradeStatus(server.url, { host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(
      101,
    );
  });

  it('treats a page on another port of an allowed name as another origin', async () => {
    expect(await upgradeStatus(server.url, { origin: 'http://127.0.0.1:1' })).toBe(403);
    expect(await upgradeStatus(server.url, { origin: `http://localhost:${port}` })).toBe(403);
  });
});

describe('--allowed-host and --public-url', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer([
      '--allowed-host',
      'artifacts.internal:8443',
      '--public-url',
      'https://artifacts.example.org',
    ]);
  });
  afterAll(() => server.stop());

  it("accepts exactly the listed hosts and the public URL's", async () => {
    const statusWithHost = async (host: string) => (await send(`${server.url}/healthz`, { headers: { host } })).status;
    expect(await statusWithHost('artifacts.internal:8443')).toBe(200);
    expect(await statusWithHost('artifacts.internal:8444')).toBe(403);
    expect(await statusWithHost('artifacts.example.org')).toBe(200);
    expect(await statusWithHost('artifacts.example.org:443')).toBe(200);
    // Listing hosts replaces the loopback defaults.
    expect(await statusWithHost('localhost')).toBe(403);
  });

  it('accepts WebSocket pages of the public URL behind a proxy that passes the public Host', async () => {
    expect(
      await upgradeStatus(server.url, { host: 'artifacts.example.org', origin: 'https://artifacts.example.org' }),
    ).toBe(101);
    expect(await upgradeStatus(server.url, { host: 'artifacts.example.org', origin: 'https://evil.example' })).toBe(
      403,
    );
  });
});
