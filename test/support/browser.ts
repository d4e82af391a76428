// A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded
// browser build). Each test file launches one browser and opens fresh contexts from it.
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser (.ci/run installs it). */
export const chromiumPath = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without a network beyond localhost: without the
 * background-networking ones it keeps opening refused connections to Google's hosts.
 */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** A context with no state from earlier tests (cookies, cache, storage). */
export async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ acceptDownloads: true });
}
