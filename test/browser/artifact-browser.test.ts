// The artifact browser at `/`, in Chromium, against a real server on a copy of the fixture:
// a study's and a trial's artifacts with their previews, three uploads through the "Upload"
// input (one of 50 MiB) with progress to 100 %, an artifact uploaded by Python Optuna meanwhile
// appearing without a reload, and a delete — with no request to another origin and no error.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { closeBrowser, closePage, launchBrowser } from '../support/browser.js';
import type { FixtureCopy } from '../support/fixture.js';
import { uploadTrialArtifactWithPythonOptuna } from '../support/python-upload-artifact.js';
import { startServerOnFixtureCopy, type TestServer } from '../support/test-server.js';
import { openWatchedPage, type WatchedPage } from '../support/watched-page.js';

/** sample-minimize's trial 5: RUNNING, so it takes uploads (Optuna's trial_id 6). */
const runningTrial = { number: 5, trialId: 6 };
const screenshotPath = fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let browser: Browser | undefined;
let server: TestServer;
let fixture: FixtureCopy;
let stopServer: () => Promise<void>;
let watched: WatchedPage | undefined;
let page: Page;
let scratch: string;

const filesToUpload = {
  'notes.txt': Buffer.from('uploaded from the browser\n'),
  'scores.csv': Buffer.from('epoch,score\n1,0.5\n2,0.75\n'),
  'weights.bin': randomBytes(50 * 1024 * 1024),
};

beforeAll(async () => {
  // Python's writes are noticed by the watcher; a short interval keeps the test quick.
  ({ server, fixture, stop: stopServer } = await startServerOnFixtureCopy(['--watch-interval', '0.2']));
  scratch = await mkdtemp(join(tmpdir(), 'oag-web-'));
  browser = await launchBrowser();
  watched = await openWatchedPage(browser, `${server.url}/`);
  page = watched.page;
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  await closePage(watched?.page);
  await closeBrowser(browser);
  await stopServer();
  await rm(scratch, { recursive: true, force: true });
});

/** The names of a trial's artifacts as the server lists them. */
async function trialArtifactNames(trialId: number): Promise<string[]> {
  const result = await server.graphql<{ trial: { artifacts: { edges: { node: { filename: string } }[] } } }>(
    'query($t: Int!) { trial(trialId: $t) { artifacts(first: 100) { edges { node { filename } } } } }',
    { t: trialId },
  );
  return result.data!.trial.artifacts.edges.map((edge) => edge.node.filename);
}

const artifactItem = (filename: string) =>
  page.locator('li.artifact').filter({ has: page.getByRole('heading', { name: filename, exact: true }) });

it("lists the studies and shows a study's artifacts: the image rendered, the CSV as a table", async () => {
  const studyLink = page.getByRole('link', { name: 'sample-minimize' });
  await studyLink.waitFor();
  expect(await page.getByRole('row').filter({ has: studyLink }).textContent()).toContain('MINIMIZE');
  await studyLink.click();

  const image = page.getByRole('img', { name: 'plot.png' });
  await image.scrollIntoViewIfNeeded();
  await page.waitForFunction(
    () => ((document.querySelector('img[alt="plot.png"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0,
  );
  expect(await image.evaluate((element: HTMLImageElement) => element.naturalWidth)).toBeGreaterThan(0);

  const csvTable = page.getByRole('region', { name: 'Contents of summary.csv' }).getByRole('table');
  await csvTable.waitFor();
  expect(await csvTable.getByRole('columnheader').allTextContents()).toEqual(['trial', 'value']);
  expect(await csvTable.getByRole('row').count()).toBeGreaterThan(1);

  // The trial table: one row per trial of the study.
  await page.getByRole('link', { name: `Trial ${runningTrial.number}`, exact: true }).waitFor();
  expect(await page.getByRole('table').filter({ hasText: 'Parameters' }).getByRole('row').count()).toBe(7 + 1);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  // The README's picture is refreshed on request only: a test run must not change tracked files.
  if (process.env.WRITE_SCREENSHOT === '1') {
    mkdirSync(join(screenshotPath, '..'), { recursive: true });
    writeFileSync(screenshotPath, await page.screenshot());
  }
});

it('uploads three files (one of 50 MiB) to a running trial, each with progress to 100 %', async () => {
  await page.getByRole('link', { name: `Trial ${runningTrial.number}`, exact: true }).click();
  await page.getByRole('heading', { name: `Trial ${runningTrial.number} of sample-minimize` }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

  const paths = Object.entries(filesToUpload).map(([name, content]) => {
    const path = join(scratch, name);
    writeFileSync(path, content);
    return path;
  });
  await page.getByLabel('Upload').setInputFiles(paths);

  for (const name of Object.keys(filesToUpload)) {
    const progress = page.getByRole('progressbar', { name: `Upload of ${name}` });
    await page.locator('li.upload-done').filter({ hasText: name }).waitFor({ timeout: 30_000 });
    expect(await progress.getAttribute('value')).toBe('100');
    await artifactItem(name).waitFor();
  }
  expect(await trialArtifactNames(runningTrial.trialId)).toEqual(expect.arrayContaining(Object.keys(filesToUpload)));
  const stored = await server.graphql<{
    trial: { artifacts: { edges: { node: { filename: string; sha256: string } }[] } };
  }>('query($t: Int!) { trial(trialId: $t) { artifacts(first: 100) { edges { node { filename sha256 } } } } }', {
    t: runningTrial.trialId,
  });
  const bigFile = stored.data!.trial.artifacts.edges.find((edge) => edge.node.filename === 'weights.bin');
  expect(bigFile?.node.sha256).toBe(sha256(filesToUpload['weights.bin']));
});

it.skipIf(!inject('pythonOptuna'))(
  'shows an artifact uploaded by Python Optuna meanwhile, without a reload',
  async () => {
    const artifactId = await uploadTrialArtifactWithPythonOptuna({
      databasePath: fixture.databasePath,
      artifactsPath: fixture.artifactsPath,
      trialId: runningTrial.trialId,
      filename: 'from-python.log',
      content: 'written by Python Optuna\n',
      scratchDirectory: scratch,
    });
    const item = page.locator(`li.artifact[data-artifact-id="${artifactId}"]`);
    // The 2 s, with room for a loaded machine: a bound on the wait, not a measurement.
    await item.waitFor({ timeout: 10_000 });
    expect(await item.getByRole('region', { name: 'Contents of from-python.log' }).textContent()).toContain(
      'written by Python Optuna',
    );
  },
);

it('deletes an artifact after a confirmation', async () => {
  await page.getByRole('button', { name: 'Delete notes.txt', exact: true }).click();
  await page.getByRole('button', { name: 'Yes, delete notes.txt' }).click();
  await artifactItem('notes.txt').waitFor({ state: 'detached' });
  expect(await trialArtifactNames(runningTrial.trialId)).not.toContain('notes.txt');
});

it('asked no other origin and logged no error', () => {
  expect(watched!.foreignRequests).toEqual([]);
  expect(watched!.errors).toEqual([]);
});
