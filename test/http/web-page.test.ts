// GET / serves the artifact browser: one HTML document whose policy allows scripts, styles and
// fetches from this server only, and whose assets this server serves (cached for good, as
// their names carry their hash). With --auth-token the page is told to ask for the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeValues, policyDirectives } from '../support/html-scan.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let open: TestServer;
let guarded: TestServer;
beforeAll(async () => {
  [open, guarded] = await Promise.all([startTestServer(), startTestServer(['--auth-token', 'web-page-token'])]);
});
afterAll(async () => {
  await Promise.all([open.stop(), guarded.stop()]);
});

describe('GET /', () => {
  let response: Response;
  let html: string;
  beforeAll(async () => {
    response = await fetch(`${open.url}/`);
    html = await response.text();
  });

  it('is the page, with scripts and styles from this server only and no inline code', () => {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const scripts = attributeValues(html, 'script', 'src');
    expect(scripts.length).toBeGreaterThan(0);
    expect([...scripts, ...attributeValues(html, 'link', 'href')].every((url) => /^(\/assets\/|data:)/.test(url))).toBe(
      true,
    );
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b|\sstyle=/);
  });

  it("sends a policy that allows nothing but this server's own files and fetches", () => {
    const policy = policyDirectives(response.headers.get('content-security-policy') ?? '');
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    for (const sources of policy.values()) {
      for (const source of sources) expect(source).not.toMatch(/^('unsafe-|\*|https?:)/);
    }
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves every asset the page names, cached for good', async () => {
    const assets = [...attributeValues(html, 'script', 'src'), ...attributeValues(html, 'link', 'href')].filter((url) =>
      url.startsWith('/assets/'),
    );
    for (const asset of assets) {
      const answer = await fetch(`${open.url}${asset}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/(javascript|css); charset=utf-8$/);
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await answer.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('tells the page whether the server wants a token', async () => {
    const authMeta = (text: string) => /<meta name="optuna-artifacts-auth" content="(\w+)"/.exec(text)?.[1];
    expect(authMeta(html)).toBe('none');
    expect(authMeta(await (await fetch(`${guarded.url}/`)).text())).toBe('bearer');
  });
});

describe('what / does not serve', () => {
  it('answers 404 for asset names outside the build and paths that climb out of it', async () => {
    for (const path of [
      '/assets/missing-0000.js',
      '/assets/..%2Fpackage.json',
      '/assets/../index.html',
      '/assets/x.html',
    ]) {
      expect((await fetch(`${open.url}${path}`)).status).toBe(404);
    }
  });

  it('refuses POST with 405 and the allowed methods', async () => {
    const response = await fetch(`${open.url}/`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await fetch(`${open.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});
