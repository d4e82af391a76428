// A browser page that records what a page must never do: ask any origin but the server's, or
// log an error (a console error or an uncaught exception), for tests to assert empty.
import type { Browser, Page } from 'playwright-core';
import { freshContext } from './browser.js';

export interface WatchedPage {
  page: Page;
  /** URLs of requests to any other origin (data: URLs excepted). */
  foreignRequests: string[];
  /** Console errors and uncaught exceptions, as text. */
  errors: string[];
}

export async function openWatchedPage(browser: Browser, url: string): Promise<WatchedPage> {
  const { origin } = new URL(url);
  const context = await freshContext(browser);
  const page = await context.newPage();
  const watched: WatchedPage = { page, foreignRequests: [], errors: [] };
  page.on('request', (request) => {
    const requested = request.url();
    if (!requested.startsWith('data:') && new URL(requested).origin !== origin) watched.foreignRequests.push(requested);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => watched.errors.push(`exception: ${error.message}`));
  await page.goto(url);
  return watched;
}
