// `check` (the metadata ↔ stored objects consistency report) on 100,000 artifacts, timed as the
// real command line runs it, on SQLite and on the same rows in each server dialect.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { buildStudyDatabase } from './listing.js';
import { projectRoot, storageUrlOf } from './support/child-process.js';
import { withServerCopies } from './support/database-servers.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { formatMs } from './support/units.js';

export interface CheckBenchmarkOptions {
  trials: number;
  artifactsPerTrial: number;
}

/** One stored object per metadata row, so the report is "consistent" and every row is compared. */
async function storeEveryArtifact(databasePath: string, artifactDirectory: string): Promise<number> {
  const database = new Database(databasePath, { readonly: true });
  const ids = database
    .prepare(`SELECT substr("key", 11) FROM trial_system_attributes WHERE "key" LIKE 'artifacts:%'`)
    .pluck()
    .all() as string[];
  database.close();
  await mkdir(artifactDirectory, { recursive: true });
  for (const id of ids) await writeFile(join(artifactDirectory, id), 'x');
  return ids.length;
}

/** `check --json` on the database, timed from start to exit of the process. */
async function timeCheck(databasePathOrUrl: string, artifactDirectory: string, artifacts: number): Promise<number> {
  const started = performance.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main.ts',
      'check',
      storageUrlOf(databasePathOrUrl),
      '--artifact-store',
      `file://${artifactDirectory}`,
      '--json',
    ],
    { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  const elapsed = performance.now() - started;
  const report = JSON.parse(stdout) as { consistent: boolean; metadataRows: number };
  if (!report.consistent || report.metadataRows !== artifacts) {
    throw new Error(`check found ${report.metadataRows} rows, consistent: ${report.consistent}`);
  }
  return elapsed;
}

export async function runCheckBenchmark(options: CheckBenchmarkOptions): Promise<ResultRow[]> {
  const workspace = await mkdtemp(join(tmpdir(), 'bench-check-'));
  const databasePath = join(workspace, 'optuna.db');
  const artifactDirectory = join(workspace, 'artifacts');
  try {
    const total = options.trials * options.artifactsPerTrial;
    progress(`check: building ${options.trials} trials with ${total} artifacts and their stored objects`);
    await buildStudyDatabase(databasePath, { ...options, warmRepeats: 0, fewTrials: 0 });
    const artifacts = await storeEveryArtifact(databasePath, artifactDirectory);
    const benchmark = `check on ${artifacts} artifacts`;
    const row = (dialect: string, ms: number): ResultRow => ({
      benchmark,
      measure: `${dialect}: whole command (process start to exit)`,
      value: formatMs(ms),
    });
    const sqliteMs = await timeCheck(databasePath, artifactDirectory, artifacts);
    progress(`check (sqlite): ${formatMs(sqliteMs)}`);
    const serverRows = await withServerCopies(databasePath, async ({ dialect, url }) => {
      const ms = await timeCheck(url, artifactDirectory, artifacts);
      progress(`check (${dialect}): ${formatMs(ms)}`);
      return row(dialect, ms);
    });
    return [row('sqlite', sqliteMs), ...serverRows];
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
