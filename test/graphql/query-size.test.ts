// Huge, token-heavy or deeply nested GraphQL documents are refused early, on every transport,
// with stable codes; the server keeps answering and its parse cache keeps its memory bounded.
import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/test-server.js';
import {
  connectWebSocket,
  subscribeOverWebSocket,
  subscribeWithFetch,
  untilListening,
} from '../support/subscription-clients.js';
import { multipartBody, postMultipart } from '../support/multipart.js';

const defaultMaxQueryBytes = 256 * 1024;

/** `{ a a a … }` of about `bytes` bytes: one-letter fields, the most tokens and parsed nodes per byte. */
const oneLetterFields = (bytes: number, tag = '') => `{ ${'a '.repeat(Math.floor(bytes / 2))}${tag} }`;

/** `{ a{ a{ … b } } }`: `depth` nested selections. */
const nestedSelections = (depth: number) => `{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }`;

interface Answer {
  status: number;
  body: GraphQLResponse;
}

async function postQuery(serverUrl: string, query: string): Promise<Answer> {
  const response = await fetch(`${serverUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

/** POSTs `body` in chunks without a Content-Length (Transfer-Encoding: chunked). */
function postChunked(serverUrl: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      `${serverUrl}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          answered = true;
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as GraphQLResponse });
        });
      },
    );
    // The server stops reading once the limit is passed and may close while chunks are still
    // on their way: only an error before the answer is a failure.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    for (let offset = 0; offset < body.length; offset += 64 * 1024)
      request.write(body.slice(offset, offset + 64 * 1024));
    request.end();
  });
}

const codeOf = (answer: { body: GraphQLResponse }) => answer.body.errors?.[0]?.extensions?.code;

describe('with the default limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses a 9 MB document with 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await postQuery(server.url, oneLetterFields(9 * 1024 * 1024));
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses 20 distinct 1.5 MB documents with 413, and answers /healthz and queries afterwards', async () => {
    for (let index = 0; index < 20; index++) {
      const answer = await postQuery(server.url, oneLetterFields(1.5 * 1024 * 1024, `b${index}`));
      expect(answer.status).toBe(413);
      expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await postQuery(server.url, '{ studies { totalCount } }')).body).toEqual({
      data: { studies: { totalCount: 0 } },
    });
  });

  it('refuses a document over --max-query-bytes inside the body limit before parsing it: 413, not a syntax error', async () => {
    const unterminated = `{ ${'a '.repeat(defaultMaxQueryBytes / 2)}`;
    const answer = await postQuery(server.url, unterminated);
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.body.errors?.[0]?.message).toMatch(/--max-query-bytes/);
  });

  it('accepts a document of exactly --max-query-bytes', async () => {
    const query = '{ __typename }';
    const answer = await postQuery(server.url, query.padEnd(defaultMaxQueryBytes, ' '));
    expect(answer).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it('cuts a body sent without Content-Length at the same limit, with the same code', async () => {
    const answer = await postChunked(server.url, JSON.stringify({ query: oneLetterFields(3 * 1024 * 1024) }));
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a document under the byte limit with more than 5,000 tokens: 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const answer = await postQuery(server.url, oneLetterFields(12_000));
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.body.errors?.[0]?.message).toMatch(/more than 5000 tokens/);
  });

  it('refuses 2,000 nested selections, and list values nested 2,000 deep, with 400 (the parser used to overflow the stack: 500)', async () => {
    for (const query of [
      nestedSelections(2000),
      `{ study(name: ${'['.repeat(2000)}"x"${']'.repeat(2000)}) { name } }`,
    ]) {
      const answer = await postQuery(server.url, query);
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.body.errors?.[0]?.message).toMatch(/nests brackets more than 100 deep/);
    }
  });

  it('still answers the documents clients send: GraphiQL introspection, and nesting the depth limit refuses with its own message', async () => {
    const introspection = await postQuery(
      server.url,
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true }),
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
    const deep = await postQuery(
      server.url,
      `{ studies { edges { node { ${'trials { edges { node { study { '.repeat(6)} name ${'} } } } '.repeat(6)} } } } }`,
    );
    expect(deep.body.errors?.[0]?.message).toMatch(/depth limit/);
  });

  it('keeps the parse cache bounded by memory, not by a count: 40 distinct documents of 100 KB', async () => {
    const collectGarbage = exposedGarbageCollector();
    const heapAfterCollection = () => {
      collectGarbage();
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    // A parsed document keeps every token of its text, comments included (~100 bytes each
    // here): each of these holds ~5 MB once parsed, though it is cheap to parse and run.
    const distinctDocument = (index: number) => `# ${index}\n{ __typename }\n${'#\n'.repeat(50_000)}`;
    await postQuery(server.url, distinctDocument(-1));
    const heapBefore = heapAfterCollection();
    for (let index = 0; index < 40; index++) {
      expect((await postQuery(server.url, distinctDocument(index))).body).toEqual({ data: { __typename: 'Query' } });
    }
    // Yoga's own cache (1,024 entries of any size) held all of them: ~200 MB.
    expect(heapAfterCollection() - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('on every transport (--max-query-bytes 4KiB)', () => {
  const maxQueryBytes = 4096;
  const overLimit = `{ __typename ${'#'.repeat(maxQueryBytes)}\n}`;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(['--max-query-bytes', '4KiB']);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('GET ?query=: 413 PAYLOAD_TOO_LARGE beyond, answered within', async () => {
    const get = async (query: string) => {
      const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`, {
        headers: { accept: 'application/graphql-response+json' },
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse };
    };
    const refused = await get(overLimit);
    expect(refused.status).toBe(413);
    expect(codeOf(refused)).toBe('PAYLOAD_TOO_LARGE');
    expect(await get('{ __typename }')).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it('POST JSON: 413 beyond the document limit even though the body is within its own limit', async () => {
    const answer = await postQuery(server.url, overLimit);
    expect(answer.status).toBe(413);
    expect(codeOf(answer)).toBe('PAYLOAD_TOO_LARGE');
  });

  for (const method of ['POST', 'GET'] as const) {
    it(`SSE over ${method}: 413 and an event carrying PAYLOAD_TOO_LARGE`, async () => {
      const stream = await subscribeWithFetch(
        server.url,
        { query: `subscription { artifactCreated { cursor } } ${'#'.repeat(maxQueryBytes)}` },
        { method },
      );
      try {
        expect(stream.response.status).toBe(413);
        const [event] = await stream.received.count(1);
        expect(event?.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
      } finally {
        stream.close();
      }
    });
  }

  it('WebSocket: a subscribe message over the limit gets an error message with PAYLOAD_TOO_LARGE; the socket stays usable', async () => {
    const client = connectWebSocket(server.url);
    // A live subscription keeps the (lazy) client's socket open across the operations below.
    const live = subscribeOverWebSocket(client, { query: 'subscription { artifactDeleted { cursor } }' });
    try {
      await untilListening(server.services.events, 1);
      const refused = subscribeOverWebSocket(client, { query: overLimit });
      await refused.received.ended();
      expect(refused.received.errors).toHaveLength(1);
      expect((refused.received.errors[0] as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code).toBe(
        'PAYLOAD_TOO_LARGE',
      );
      const answered = subscribeOverWebSocket(client, { query: '{ __typename }' });
      expect(await answered.received.count(1)).toEqual([{ data: { __typename: 'Query' } }]);
      expect(client.closeEvents).toEqual([]);
      expect(live.received.errors).toEqual([]);
    } finally {
      live.close();
      await client.dispose();
    }
  });

  it('multipart `operations`: 413 PAYLOAD_TOO_LARGE, and nothing stored', async () => {
    const upload = `mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } } ${'#'.repeat(maxQueryBytes)}`;
    const response = await postMultipart(
      server.url,
      multipartBody(upload, { file: null }, [
        { variablePath: 'variables.file', content: new Uint8Array([1, 2, 3]), filename: 'x.bin' },
      ]),
    );
    expect(response.status).toBe(413);
    expect(codeOf({ body: (await response.json()) as GraphQLResponse })).toBe('PAYLOAD_TOO_LARGE');
    expect((await postQuery(server.url, '{ artifacts { totalCount } }')).body).toEqual({
      data: { artifacts: { totalCount: 0 } },
    });
  });
});

/** V8's `gc()`, which vitest's workers do not expose by default. */
function exposedGarbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
