// A real browser page on another origin (another port of 127.0.0.1) tries to read, upload,
// delete and open a WebSocket: all refused without --cors-origin (and nothing changes on the
// server), all possible with --cors-origin set to that page's origin. And a DNS-rebinding page
// (a foreign name resolving to this machine) is refused by the Host check.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, closePage, launchBrowser, openPage } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { leftovers } from '../support/leftovers.js';

/** What the page managed to do; 'blocked' = the browser refused to let the page see or send it. */
interface PageAttempts {
  read: number | 'blocked';
  upload: string | 'blocked';
  delete: string | 'blocked';
  /** graphql-ws' answer to connection_init, or 'refused'. */
  webSocket: string;
}

/** Runs in the page: the four things a foreign page would try, each as a browser allows it. */
function attemptEverything(page: Page, serverUrl: string, artifactId: string): Promise<PageAttempts> {
  return page.evaluate(
    async ({ serverUrl, artifactId }) => {
      const graphqlJson = (query: string) =>
        fetch(`${serverUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
      const orBlocked = async <T>(attempt: () => Promise<T>): Promise<T | 'blocked'> => {
        try {
          return await attempt();
        } catch {
          return 'blocked'; // fetch rejects when CORS (or its preflight) refuses
        }
      };
      const read = await orBlocked(
        async () => (await (await graphqlJson('{ studies { totalCount } }')).json()).data.studies.totalCount as number,
      );

      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({
          query: 'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
          variables: { file: null },
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new Blob(['written by a page of another origin']), 'from-page.txt');
      const upload = await orBlocked(async () => {
        const response = await fetch(`${serverUrl}/graphql`, {
          method: 'POST',
          headers: { 'x-graphql-yoga-csrf': '1' },
          body: form,
        });
        return (await response.json()).data.uploadArtifact.artifactId as string;
      });

      const deleted = await orBlocked(
        async () =>
          (await (await graphqlJson(`mutation { deleteArtifact(artifactId: "${artifactId}") { artifactId } }`)).json())
            .data.deleteArtifact.artifactId as string,
      );

      const webSocket = await new Promise<string>((resolve) => {
        const socket = new WebSocket(`${serverUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
        socket.onmessage = (message) => {
          resolve(JSON.parse(String(message.data)).type);
          socket.close();
        };
        socket.onerror = () => resolve('refused');
      });
      return { read, upload, delete: deleted, webSocket };
    },
    { serverUrl, artifactId },
  );
}

/** Requests a browser sends without a preflight (a form post, a no-cors fetch): the CSRF check must stop them. */
function attemptSimpleRequests(page: Page, serverUrl: string, artifactId: string): Promise<void> {
  return page.evaluate(
    async ({ serverUrl, artifactId }) => {
      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({
          query: 'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
          variables: { file: null },
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new Blob(['a form post']), 'form.txt');
      await fetch(`${serverUrl}/graphql`, { method: 'POST', mode: 'no-cors', body: form });
      const deletion = JSON.stringify({
        query: `mutation { deleteArtifact(artifactId: "${artifactId}") { artifactId } }`,
      });
      await fetch(`${serverUrl}/graphql`, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body: deletion,
      });
    },
    { serverUrl, artifactId },
  );
}

/** A server with one study and one artifact already stored. */
async function startServerWithArtifact(args: string[]): Promise<{ server: TestServer; artifactId: string }> {
  const server = await startTestServer(args);
  await server.graphql('mutation { createStudy(name: "cross-origin") { studyId } }');
  const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    server.url,
    'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
    { file: null },
    [{ variablePath: 'variables.file', content: Buffer.from('kept'), filename: 'kept.txt' }],
  );
  return { server, artifactId: body.data!.uploadArtifact.artifactId };
}

const storedState = (server: TestServer) =>
  leftovers(join(server.directory, 'optuna.db'), join(server.directory, 'artifacts'));

let browser: Browser | undefined;
let otherOriginServer: Server;
let otherOrigin: string;
let page: Page | undefined;

beforeAll(async () => {
  otherOriginServer = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another origin</title>'),
  );
  await new Promise<void>((resolve) => otherOriginServer.listen(0, '127.0.0.1', resolve));
  otherOrigin = `http://127.0.0.1:${(otherOriginServer.address() as AddressInfo).port}`;
  browser = await launchBrowser({ loopbackNames: ['attacker.example'] });
});

afterEach(async () => {
  await closePage(page);
  page = undefined;
});

afterAll(async () => {
  await closeBrowser(browser);
  await new Promise<void>((resolve) => otherOriginServer.close(() => resolve()));
});

describe('a page of another origin, without --cors-origin', () => {
  let server: TestServer;
  let artifactId: string;
  beforeAll(async () => ({ server, artifactId } = await startServerWithArtifact([])));
  afterAll(() => server.stop());

  it('can neither read, nor upload, nor delete, nor open a WebSocket; nothing changes on the server', async () => {
    const before = storedState(server);
    page = await openPage(browser!, otherOrigin);
    expect(await attemptEverything(page, server.url, artifactId)).toEqual({
      read: 'blocked',
      upload: 'blocked',
      delete: 'blocked',
      webSocket: 'refused',
    });
    await attemptSimpleRequests(page, server.url, artifactId);
    expect(storedState(server)).toEqual(before);
    const still = await server.graphql<{ artifact: { filename: string } | null }>(
      `{ artifact(artifactId: "${artifactId}") { filename } }`,
    );
    expect(still.data!.artifact).toEqual({ filename: 'kept.txt' });
  });
});

describe('a page of the --cors-origin origin', () => {
  let server: TestServer;
  let artifactId: string;
  beforeAll(async () => ({ server, artifactId } = await startServerWithArtifact(['--cors-origin', otherOrigin])));
  afterAll(() => server.stop());

  it('reads, uploads, deletes and opens a WebSocket', async () => {
    page = await openPage(browser!, otherOrigin);
    const attempts = await attemptEverything(page, server.url, artifactId);
    expect(attempts).toMatchObject({ read: 1, delete: artifactId, webSocket: 'connection_ack' });
    const uploaded = await fetch(`${server.url}/artifacts/${attempts.upload}`);
    expect(await uploaded.text()).toBe('written by a page of another origin');
    const gone = await server.graphql<{ artifact: unknown }>(`{ artifact(artifactId: "${artifactId}") { filename } }`);
    expect(gone.data!.artifact).toBeNull();
  });
});

describe('a DNS-rebinding page (attacker.example resolving to this machine)', () => {
  let server: TestServer;
  beforeAll(async () => ({ server } = await startServerWithArtifact([])));
  afterAll(() => server.stop());

  it('gets 403 for its page, its same-origin mutation and its WebSocket', async () => {
    const reboundOrigin = `http://attacker.example:${new URL(server.url).port}`;
    page = await openPage(browser!, `${reboundOrigin}/healthz`);
    expect(await page.evaluate(() => document.body.textContent)).toContain('FORBIDDEN');
    const outcome = await page.evaluate(async () => {
      // Same origin for the browser: no CORS stands in the way, only the server's Host check.
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { createStudy(name: "rebound") { studyId } }' }),
      });
      const webSocket = await new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://${location.host}/graphql`, 'graphql-transport-ws');
        socket.onopen = () => resolve('open');
        socket.onerror = () => resolve('refused');
      });
      return { status: response.status, code: (await response.json()).errors[0].extensions.code as string, webSocket };
    });
    expect(outcome).toEqual({ status: 403, code: 'FORBIDDEN', webSocket: 'refused' });
    const studies = await server.graphql<{ studies: { totalCount: number } }>('{ studies { totalCount } }');
    expect(studies.data!.studies.totalCount).toBe(1);
  });
});
