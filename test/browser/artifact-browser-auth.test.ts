// The artifact browser on a server started with --auth-token: without a token the page reads
// (previews included) and says why uploads, deletes and live updates are off; with the token
// entered it uploads, deletes and follows the live feed — and keeps the token across a reload.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { closeBrowser, closePage, launchBrowser } from '../support/browser.js';
import type { FixtureCopy } from '../support/fixture.js';
import { uploadTrialArtifactWithPythonOptuna } from '../support/python-upload-artifact.js';
import { startServerOnFixtureCopy, type TestServer } from '../support/test-server.js';
import { openWatchedPage, type WatchedPage } from '../support/watched-page.js';

const token = 'page-test-token';
/** sample-minimize's trial 5: RUNNING (Optuna's trial_id 6). */
const runningTrial = { number: 5, trialId: 6 };

let browser: Browser | undefined;
let server: TestServer;
let fixture: FixtureCopy;
let stopServer: () => Promise<void>;
let watched: WatchedPage | undefined;
let page: Page;
let scratch: string;

beforeAll(async () => {
  ({
    server,
    fixture,
    stop: stopServer,
  } = await startServerOnFixtureCopy(['--auth-token', token, '--watch-interval', '0.2']));
  scratch = await mkdtemp(join(tmpdir(), 'oag-web-auth-'));
  browser = await launchBrowser();
  watched = await openWatchedPage(browser, `${server.url}/#/trials/${runningTrial.trialId}`);
  page = watched.page;
});

afterAll(async () => {
  await closePage(watched?.page);
  await closeBrowser(browser);
  await stopServer();
  await rm(scratch, { recursive: true, force: true });
});

const trialArtifactNames = async (): Promise<string[]> => {
  const result = await server.graphql<{ trial: { artifacts: { edges: { node: { filename: string } }[] } } }>(
    'query($t: Int!) { trial(trialId: $t) { artifacts(first: 100) { edges { node { filename } } } } }',
    { t: runningTrial.trialId },
  );
  return result.data!.trial.artifacts.edges.map((edge) => edge.node.filename);
};

it('reads without a token, and says why uploads, deletes and live updates are off', async () => {
  await page.getByRole('heading', { name: `Trial ${runningTrial.number} of sample-minimize` }).waitFor();
  await page.getByRole('region', { name: 'Contents of checkpoint.json' }).waitFor();

  const upload = page.getByLabel('Upload');
  expect(await upload.isDisabled()).toBe(true);
  const uploadExplanation = await upload.evaluate(
    (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent ?? '',
  );
  expect(uploadExplanation).toContain('access token');

  const deleteButton = page.getByRole('button', { name: 'Delete checkpoint.json' });
  expect(await deleteButton.isDisabled()).toBe(true);
  expect(await deleteButton.evaluate((button) => button.getAttribute('aria-describedby'))).toBeTruthy();

  await page.getByRole('status').filter({ hasText: 'live updates need the access token' }).waitFor();
});

it('with the token entered: uploads and deletes', async () => {
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /^Live$/ })
    .waitFor();

  const names = ['first.txt', 'second.csv', 'third.json'];
  const contents = ['one\n', 'a,b\n1,2\n', '{"three": 3}\n'];
  const paths = names.map((name, index) => {
    const path = join(scratch, name);
    writeFileSync(path, contents[index]!);
    return path;
  });
  const upload = page.getByLabel('Upload');
  expect(await upload.isDisabled()).toBe(false);
  await upload.setInputFiles(paths);
  for (const name of names) {
    await page.locator('li.upload-done').filter({ hasText: name }).waitFor();
    expect(await page.getByRole('progressbar', { name: `Upload of ${name}` }).getAttribute('value')).toBe('100');
  }
  expect(await trialArtifactNames()).toEqual(expect.arrayContaining(names));

  await page.getByRole('button', { name: 'Delete first.txt', exact: true }).click();
  await page.getByRole('button', { name: 'Yes, delete first.txt' }).click();
  await page.getByRole('heading', { name: 'first.txt', exact: true }).waitFor({ state: 'detached' });
  expect(await trialArtifactNames()).not.toContain('first.txt');
});

it.skipIf(!inject('pythonOptuna'))(
  'with the token entered: follows the live feed (a Python Optuna upload appears)',
  async () => {
    const artifactId = await uploadTrialArtifactWithPythonOptuna({
      databasePath: fixture.databasePath,
      artifactsPath: fixture.artifactsPath,
      trialId: runningTrial.trialId,
      filename: 'from-python.txt',
      content: 'written by Python Optuna\n',
      scratchDirectory: scratch,
    });
    await page.locator(`li.artifact[data-artifact-id="${artifactId}"]`).waitFor({ timeout: 10_000 });
  },
);

it('keeps the token for the tab across a reload', async () => {
  await page.reload();
  await page
    .getByRole('status')
    .filter({ hasText: /^Live$/ })
    .waitFor();
  expect(await page.getByLabel('Upload').isDisabled()).toBe(false);
});

it('asked no other origin and logged no error', () => {
  expect(watched!.foreignRequests).toEqual([]);
  expect(watched!.errors).toEqual([]);
});
