// GET /examples answers a small HTML page linking GraphiQL, the example queries and the health routes;
// it loads nothing (a strict Content-Security-Policy says so) and answers HEAD too.
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { attributeValues, policyDirectives } from '../support/html-scan.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('GET /examples', () => {
  let response: Response;
  let html: string;
  beforeAll(async () => {
    response = await fetch(`${server.url}/examples`);
    html = await response.text();
  });

  it('is an HTML page', () => {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toMatch(/^<!doctype html>/);
  });

  it('links GraphiQL and the health routes, and each link answers', async () => {
    const links = attributeValues(html, 'a', 'href');
    expect(links).toEqual(expect.arrayContaining(['/', '/graphql', '/healthz', '/readyz']));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const graphiql = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('YogaGraphiQL');
  });

  it('opens example queries in GraphiQL, each valid against the schema', () => {
    const queries = attributeValues(html, 'a', 'href')
      .filter((link) => link.startsWith('/graphql?'))
      .map((link) => new URL(link, server.url).searchParams.get('query')!);
    expect(queries.length).toBeGreaterThanOrEqual(3);
    for (const query of queries) expect(validate(schema, parse(query)).map((error) => error.message)).toEqual([]);
  });

  it('loads nothing from anywhere, and its policy allows nothing else', () => {
    expect(html).not.toMatch(/<script\b/);
    expect(attributeValues(html, 'link', 'href').every((href) => href.startsWith('data:'))).toBe(true);
    expect(attributeValues(html, 'a', 'href').every((href) => href.startsWith('/'))).toBe(true);

    const policy = policyDirectives(response.headers.get('content-security-policy') ?? '');
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.has('script-src')).toBe(false);
    for (const sources of policy.values()) {
      for (const source of sources) expect(source).not.toMatch(/^('unsafe-|\*|https?:)/);
    }
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('other methods on /examples', () => {
  it('HEAD answers the same headers without a body', async () => {
    const [get, head] = await Promise.all([
      fetch(`${server.url}/examples`),
      fetch(`${server.url}/examples`, { method: 'HEAD' }),
    ]);
    expect(head.status).toBe(200);
    for (const name of ['content-type', 'content-length', 'content-security-policy'])
      expect(head.headers.get(name)).toBe(get.headers.get(name));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(Number(head.headers.get('content-length'))).toBe((await get.arrayBuffer()).byteLength);
  });

  it('POST is refused with 405 and the allowed methods', async () => {
    const response = await fetch(`${server.url}/examples`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});
