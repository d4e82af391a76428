// A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded
// browser build). Each test file launches one browser in beforeAll, opens a fresh page per
// test, and closes the browser in afterAll.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

export interface BrowserOptions {
  /**
   * Names the browser resolves to 127.0.0.1 (Chromium's --host-resolver-rules), e.g. to be a
   * DNS-rebinding page on `attacker.example` without touching the machine's DNS.
   */
  loopbackNames?: string[];
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`the browser tests need Debian's Chromium at ${chromiumPath} (apt-get install chromium)`);
  }
  const resolverRules = (options.loopbackNames ?? []).map((name) => `MAP ${name} 127.0.0.1`);
  const args =
    resolverRules.length === 0 ? chromiumArgs : [...chromiumArgs, `--host-resolver-rules=${resolverRules.join(', ')}`];
  return chromium.launch({ executablePath: chromiumPath, args });
}

/** A context with no state from earlier tests (cookies, cache, storage). */
export async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ acceptDownloads: true });
}

/** A page in a fresh context, open at `url`; closing the page's context is up to `closePage`. */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Closes the page and its context. */
export async function closePage(page: Page | undefined): Promise<void> {
  await page?.context().close();
}

/** For afterAll: closes the browser if beforeAll got as far as launching it. */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close();
}
