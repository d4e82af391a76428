// axe-core on the artifact browser's three views (studies, a study, a trial), and on the
// header a server with --auth-token adds: no serious or critical violation.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBrowser, closePage, launchBrowser, openPage } from '../support/browser.js';
import { startServerOnFixtureCopy, type TestServer } from '../support/test-server.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let browser: Browser | undefined;
let servers: { server: TestServer; stop(): Promise<void> }[] = [];
let page: Page | undefined;

beforeAll(async () => {
  servers = [await startServerOnFixtureCopy(), await startServerOnFixtureCopy(['--auth-token', 'a11y-token'])];
  browser = await launchBrowser();
});

afterAll(async () => {
  await closePage(page);
  await closeBrowser(browser);
  for (const { stop } of servers) await stop();
});

/** Serious and critical violations on the page, as "rule: help (elements)". */
async function seriousViolations(openPage: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the page's own policy allows no inline script.
  await openPage.evaluate(axeSource);
  const violations = await openPage.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
}

async function openView(server: TestServer, hash: string, ready: (open: Page) => Promise<unknown>): Promise<Page> {
  await closePage(page);
  page = await openPage(browser!, `${server.url}/${hash}`);
  await ready(page);
  return page;
}

it('the studies view', async () => {
  const view = await openView(servers[0]!.server, '', (open) =>
    open.getByRole('link', { name: 'sample-minimize' }).waitFor(),
  );
  expect(await seriousViolations(view)).toEqual([]);
});

it('a study view, with its previews and trial table', async () => {
  const view = await openView(servers[0]!.server, '#/studies/1', async (open) => {
    await open.getByRole('region', { name: 'Contents of summary.csv' }).getByRole('table').waitFor();
    await open.getByRole('link', { name: 'Trial 0', exact: true }).waitFor();
  });
  expect(await seriousViolations(view)).toEqual([]);
});

it('a trial view, with its previews and upload area', async () => {
  const view = await openView(servers[0]!.server, '#/trials/6', (open) =>
    open.getByRole('region', { name: 'Contents of checkpoint.json' }).waitFor(),
  );
  expect(await seriousViolations(view)).toEqual([]);
});

it('a trial view on a server that wants a token (the token field, disabled controls)', async () => {
  const view = await openView(servers[1]!.server, '#/trials/6', (open) =>
    open.getByRole('region', { name: 'Contents of checkpoint.json' }).waitFor(),
  );
  expect(await seriousViolations(view)).toEqual([]);
});
