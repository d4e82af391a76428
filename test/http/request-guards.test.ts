// Refusals that happen before GraphQL runs: CSRF prevention and the bearer token answer
// without reading the multipart body; malformed multipart requests get clear 4xx errors.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { multipartBody, postMultipart, uploadMultipart } from '../support/multipart.js';
import { leftovers } from '../support/leftovers.js';

const upload = 'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }';

/**
 * Sends the headers and the first part of a multipart body, then waits for the answer while
 * the body is still unfinished: a reply proves the server did not wait to read it.
 */
function answerBeforeBodyEnds(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    const boundary = 'xBOUNDARYx';
    const request = httpRequest(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(100 * 1024 * 1024),
        ...headers,
      },
    });
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: upload, variables: { file: null } })}\r\n`;
    request.write(head);
    request.on('response', (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body, bytesSent: head.length });
      });
    });
    request.on('error', reject);
  });
}

describe('without --auth-token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.graphql('mutation { createStudy(name: "guards") { studyId } }');
  });
  afterAll(() => server.stop());

  it('answers a multipart request without a CSRF-prevention header with 403 before reading its body', async () => {
    const answer = await answerBeforeBodyEnds(server.url, {});
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/cross-site request forgery/);
  });

  it('refuses the same request sent whole, and stores nothing', async () => {
    const response = await postMultipart(
      server.url,
      multipartBody(upload, { file: null }, [
        { variablePath: 'variables.file', content: Buffer.from('x'), filename: 'a.txt' },
      ]),
      { withoutCsrfHeader: true },
    );
    expect(response.status).toBe(403);
    expect(leftovers(join(server.directory, 'optuna.db'), join(server.directory, 'artifacts')).metadataKeys).toEqual(
      [],
    );
  });

  it('accepts apollo-require-preflight as the CSRF-prevention header', async () => {
    const { body } = await uploadMultipart(
      server.url,
      upload,
      { file: null },
      [{ variablePath: 'variables.file', content: Buffer.from('x'), filename: 'a.txt' }],
      {
        withoutCsrfHeader: true,
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    expect(body.errors).toBeUndefined();
  });

  it('refuses text/plain and urlencoded GraphQL posts without the header', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: '{"query":"{ studies { totalCount } }"}',
      });
      expect(response.status).toBe(403);
    }
  });

  const malformed: Array<[string, (form: FormData) => void, number]> = [
    [
      'operations that are not JSON',
      (form) => {
        form.append('operations', '{not json');
        form.append('map', '{}');
      },
      400,
    ],
    [
      'a map that is not JSON',
      (form) => {
        form.append('operations', JSON.stringify({ query: upload, variables: { file: null } }));
        form.append('map', '[oops');
      },
      400,
    ],
    [
      'a map pointing at __proto__',
      (form) => {
        form.append('operations', JSON.stringify({ query: upload, variables: { file: null } }));
        form.append('map', JSON.stringify({ 0: ['__proto__.polluted'] }));
        form.append('0', new Blob(['x']), 'a.txt');
      },
      400,
    ],
    [
      'a map pointing at nothing',
      (form) => {
        form.append('operations', JSON.stringify({ query: upload, variables: { file: null } }));
        form.append('map', JSON.stringify({ 0: ['variables.nothing.deeper'] }));
        form.append('0', new Blob(['x']), 'a.txt');
      },
      400,
    ],
    [
      'no map field',
      (form) => {
        form.append('operations', JSON.stringify({ query: upload, variables: { file: null } }));
      },
      400,
    ],
  ];

  it.each(malformed)('answers %s with a 4xx error and stores nothing', async (_name, build, status) => {
    const form = new FormData();
    build(form);
    const response = await postMultipart(server.url, form);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(leftovers(join(server.directory, 'optuna.db'), join(server.directory, 'artifacts')).temporaryFiles).toEqual(
      [],
    );
  });

  it('answers a map whose file part never comes with an error, not a hang', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: upload, variables: { file: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    const response = await postMultipart(server.url, form);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toMatch(/File missing/);
  });
});

describe('with --auth-token', () => {
  let server: TestServer;
  const token = 'tok-0123456789';
  beforeAll(async () => {
    server = await startTestServer(['--auth-token', token]);
  });
  afterAll(() => server.stop());

  it('refuses mutations without the token with UNAUTHENTICATED', async () => {
    const result = await server.graphql('mutation { createStudy(name: "nope") { studyId } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const wrong = await server.graphql(
      'mutation { createStudy(name: "nope") { studyId } }',
      {},
      { authorization: 'Bearer wrong' },
    );
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts mutations with the token, and queries without it (the documented policy)', async () => {
    const created = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "yes") { studyId } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(created.errors).toBeUndefined();
    const listed = await server.graphql<{ studies: { totalCount: number } }>('{ studies { totalCount } }');
    expect(listed.data!.studies.totalCount).toBe(1);
  });

  it('answers an upload without the token with 401 before reading its body', async () => {
    const answer = await answerBeforeBodyEnds(server.url, { 'x-graphql-yoga-csrf': '1' });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('accepts an upload with the token', async () => {
    const { body } = await uploadMultipart(
      server.url,
      upload,
      { file: null },
      [{ variablePath: 'variables.file', content: Buffer.from('x'), filename: 'a.txt' }],
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(body.errors).toBeUndefined();
  });
});
