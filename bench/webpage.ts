// The artifact browser in Chromium: the Vite build's time and JavaScript size (gzipped), and
// the first render of a study with 1,000 trials and 2,000 artifacts — from navigation to the
// trial table drawn — cold (a fresh browser context) and warm (reloads), plus the same table
// sorted by value (which loads every trial).
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import { buildStudyDatabase } from './listing.js';
import { projectRoot, startServerProcess } from './support/child-process.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { formatBytes, formatMs, median } from './support/units.js';

/** The budgets. */
export const webJavaScriptBudgetBytes = 150 * 1024;
export const webBuildBudgetMs = 30_000;

export interface WebPageOptions {
  trials: number;
  artifactsPerTrial: number;
  /** Reloads after the first (cold) render; the median counts. */
  warmRepeats: number;
}

async function buildWebPage(): Promise<number> {
  const { build } = await import('vite');
  const started = performance.now();
  await build({ configFile: join(projectRoot, 'web/vite.config.ts') });
  return performance.now() - started;
}

async function gzippedJavaScriptBytes(): Promise<{ raw: number; gzipped: number }> {
  const directory = join(projectRoot, 'dist/web/assets');
  let raw = 0;
  let gzipped = 0;
  for (const name of (await readdir(directory)).filter((file) => file.endsWith('.js'))) {
    const bytes = await readFile(join(directory, name));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzipped };
}

/**
 * Milliseconds from the navigation's start until the trial table has its rows and the frame
 * after them is drawn (two animation frames: the second runs after the first is painted).
 */
async function timeToTrialTable(page: Page, rows: number): Promise<number> {
  await page.waitForFunction(
    (count) => document.querySelectorAll('table.trial-table tbody tr').length === count,
    rows,
    { polling: 'raf', timeout: 60_000 },
  );
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))),
      ),
  );
}

export async function runWebPageBenchmark(options: WebPageOptions): Promise<ResultRow[]> {
  const { trials, artifactsPerTrial, warmRepeats } = options;
  const benchmark = 'webpage';
  const workspace = await mkdtemp(join(tmpdir(), 'bench-webpage-'));
  try {
    progress('webpage: building the page (vite build)');
    const buildMs = await buildWebPage();
    const size = await gzippedJavaScriptBytes();
    progress(`webpage: built in ${formatMs(buildMs)}; JavaScript ${formatBytes(size.gzipped)} gzipped`);

    const databasePath = join(workspace, 'optuna.db');
    progress(`webpage: building a study with ${trials} trials and ${trials * artifactsPerTrial} artifacts`);
    const studyId = await buildStudyDatabase(databasePath, { trials, artifactsPerTrial, warmRepeats, fewTrials: 0 });
    const server = await startServerProcess({ databasePath, artifactDirectory: join(workspace, 'artifacts') });
    const browser = await launchBrowser();
    try {
      const studyUrl = `${server.url}/#/studies/${studyId}`;
      // The trial table's first page (50 trials, or all when fewer).
      const firstPageRows = Math.min(trials, 50);
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(studyUrl);
      const coldMs = await timeToTrialTable(page, firstPageRows);
      const warmMs: number[] = [];
      for (let repeat = 0; repeat < warmRepeats; repeat += 1) {
        await page.reload();
        warmMs.push(await timeToTrialTable(page, firstPageRows));
      }
      progress(`webpage: trial table drawn after ${formatMs(coldMs)} cold, ${formatMs(median(warmMs))} warm`);

      const sortedMs: number[] = [];
      for (let repeat = 0; repeat < Math.max(1, Math.floor(warmRepeats / 2)); repeat += 1) {
        await page.reload();
        await timeToTrialTable(page, firstPageRows);
        const started = await page.evaluate(() => performance.now());
        await page.getByLabel('Sort by').selectOption('value-desc');
        await page.waitForFunction(
          () => document.querySelector('table.trial-table th[aria-sort="descending"]')?.textContent === 'Values',
          undefined,
          { polling: 'raf' },
        );
        sortedMs.push((await timeToTrialTable(page, firstPageRows)) - started);
      }
      progress(`webpage: sorted by value after ${formatMs(median(sortedMs))}`);
      await context.close();

      const scope = `${trials} trials / ${trials * artifactsPerTrial} artifacts`;
      return [
        {
          benchmark,
          measure: `JavaScript, gzipped (${formatBytes(size.raw)} before gzip)`,
          value: formatBytes(size.gzipped),
          target: `≤ ${formatBytes(webJavaScriptBudgetBytes)}`,
          met: size.gzipped <= webJavaScriptBudgetBytes,
        },
        {
          benchmark,
          measure: 'vite build (what it adds to npm ci)',
          value: formatMs(buildMs),
          target: `≤ ${webBuildBudgetMs / 1000} s`,
          met: buildMs <= webBuildBudgetMs,
        },
        {
          benchmark,
          measure: `first render of a study, ${scope}: navigation → trial table drawn, cold (fresh context)`,
          value: formatMs(coldMs),
        },
        {
          benchmark,
          measure: `the same, warm (reload), median of ${warmRepeats}`,
          value: formatMs(median(warmMs)),
        },
        {
          benchmark,
          measure: `trial table sorted by value (loads all ${trials} trials), median`,
          value: formatMs(median(sortedMs)),
        },
      ];
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
