// GraphiQL works offline: in a real browser whose every request to another origin is cut off
// (and recorded), /graphql loads GraphiQL from this server alone, runs a query and shows its
// result; the example-queries page's links open it the same way.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlAssetsPath } from '../../src/http/graphiql-assets.js';
import { freshContext, launchBrowser } from '../support/browser.js';
import { startServerOnFixtureCopy, type TestServer } from '../support/test-server.js';

let server: TestServer;
let stopServer: () => Promise<void>;
let browser: Browser;
beforeAll(async () => {
  ({ server, stop: stopServer } = await startServerOnFixtureCopy());
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
  await stopServer();
});

interface OfflinePage {
  page: Page;
  /** Requests the page tried to send to another origin (all refused). */
  foreignRequests: string[];
  /** Console errors (Content-Security-Policy violations among them) and uncaught exceptions. */
  errors: string[];
  close(): Promise<void>;
}

/** A page in a fresh context that can reach the test server's origin and nothing else. */
async function openOfflinePage(): Promise<OfflinePage> {
  const context = await freshContext(browser);
  const foreignRequests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === server.url) return route.continue();
    foreignRequests.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, foreignRequests, errors, close: () => context.close() };
}

/** Clicks GraphiQL's run button and resolves with the result pane's text once it shows `expected`. */
async function runAndReadResult({ page, foreignRequests, errors }: OfflinePage, expected: string): Promise<string> {
  try {
    await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
    const result = page.locator('.graphiql-response').filter({ hasText: expected });
    await result.waitFor({ timeout: 30_000 });
    return await result.innerText();
  } catch (error) {
    // Say why GraphiQL did not come up: usually what it tried to load from elsewhere.
    throw new Error(
      `GraphiQL did not show "${expected}"; requests to other origins: ${JSON.stringify(foreignRequests)}; errors: ${JSON.stringify(errors)}`,
      {
        cause: error,
      },
    );
  }
}

describe('GraphiQL in a browser without internet', () => {
  it('runs the query given in ?query= and shows the data', async () => {
    const offline = await openOfflinePage();
    try {
      const query = '{ studies { totalCount edges { node { name } } } }';
      await offline.page.goto(`${server.url}/graphql?query=${encodeURIComponent(query)}`);
      const result = await runAndReadResult(offline, 'sample-multiobjective');
      expect(result).toMatch(/"totalCount":\s*3/);
      expect(result).toContain('sample-minimize');
      expect(offline.foreignRequests).toEqual([]);
      expect(offline.errors).toEqual([]);
    } finally {
      await offline.close();
    }
  });

  it("opens the example-queries page's first query and runs it", async () => {
    const offline = await openOfflinePage();
    try {
      await offline.page.goto(`${server.url}/examples`);
      await offline.page.getByRole('link', { name: 'Open in GraphiQL' }).first().click();
      await offline.page.waitForURL(/\/graphql\?query=/);
      // The first study of the fixture (the result pane shows the top of a long answer).
      const result = await runAndReadResult(offline, 'sample-minimize');
      expect(result).toMatch(/"totalCount":\s*3/);
      expect(offline.foreignRequests).toEqual([]);
      expect(offline.errors).toEqual([]);
    } finally {
      await offline.close();
    }
  });
});

describe('GraphiQL page and assets over HTTP', () => {
  it('the page references only assets this server serves', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const references = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)]
      .map((match) => match[1]!)
      .filter((url) => !url.startsWith('data:'));
    expect(references.length).toBeGreaterThanOrEqual(2);
    for (const reference of references) {
      expect(reference.startsWith(graphiqlAssetsPath)).toBe(true);
      const asset = await fetch(server.url + reference);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/(javascript|css); charset=utf-8$/);
      expect(Number(asset.headers.get('content-length'))).toBe((await asset.arrayBuffer()).byteLength);
    }
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves nothing else of the package, and only to GET and HEAD', async () => {
    for (const name of ['yoga-graphiql.es.js', 'package.json', '', 'monacoeditorwork/']) {
      expect((await fetch(`${server.url}${graphiqlAssetsPath}${name}`)).status).toBe(404);
    }
    expect((await fetch(`${server.url}/graphql/assets/0.0.0/graphiql.css`)).status).toBe(404);
    const post = await fetch(`${server.url}${graphiqlAssetsPath}graphiql.css`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    const head = await fetch(`${server.url}${graphiqlAssetsPath}graphiql.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });
});
