// /healthz latency while ANOTHER PROCESS holds the SQLite write lock (BEGIN EXCLUSIVE, which in
// Optuna's rollback-journal mode keeps readers out too) and GraphQL reads keep arriving and
// waiting for it, beside the same without a lock, on the server process `npm start` runs. A
// server whose SQLite busy timeout sleeps on the event loop answers nothing meanwhile.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdDatabaseLock } from '../test/support/lock-holder.js';
import { startServerProcess, type ListeningChild } from './support/child-process.js';
import { createStudy } from './support/graphql-client.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { formatMs, percentile } from './support/units.js';

export interface DatabaseLockOptions {
  /** How long the other process holds the lock. */
  lockSeconds: number;
  /** /healthz requests timed without a lock. */
  unlockedRequests: number;
  /** A GraphQL read is started every this many milliseconds while the lock is held. */
  readIntervalMs: number;
}

export const lockedHealthzBudgetMs = 50;

/** Milliseconds of one /healthz request, to the last byte. */
async function timeHealthz(server: ListeningChild): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.url}/healthz`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
  return performance.now() - started;
}

/** What a GraphQL read issued during the lock ended with: `ok`, an error code, or the HTTP status. */
async function readOutcome(server: ListeningChild): Promise<string> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: '{ studies { totalCount edges { node { name trialCount } } } }' }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return body.errors === undefined ? 'ok' : (body.errors[0]?.extensions?.code ?? `HTTP ${response.status}`);
}

export async function runDatabaseLockBenchmark(options: DatabaseLockOptions): Promise<ResultRow[]> {
  const workspace = await mkdtemp(join(tmpdir(), 'bench-lock-'));
  const databasePath = join(workspace, 'optuna.db');
  const server = await startServerProcess({ databasePath, artifactDirectory: join(workspace, 'artifacts') });
  try {
    await createStudy(server.url, 'bench-lock');
    for (let warmUp = 0; warmUp < 20; warmUp += 1) await timeHealthz(server);
    const unlocked: number[] = [];
    for (let request = 0; request < options.unlockedRequests; request += 1) unlocked.push(await timeHealthz(server));
    progress(
      `database lock: /healthz without a lock p50 ${formatMs(percentile(unlocked, 0.5))}, p99 ${formatMs(percentile(unlocked, 0.99))}`,
    );

    const lock = await holdDatabaseLock(databasePath, 'EXCLUSIVE');
    const lockEnds = performance.now() + options.lockSeconds * 1000;
    const reads: Promise<string>[] = [];
    const readTimer = setInterval(() => reads.push(readOutcome(server)), options.readIntervalMs);
    const locked: number[] = [];
    try {
      while (performance.now() < lockEnds) locked.push(await timeHealthz(server));
    } finally {
      clearInterval(readTimer);
      await lock.release();
    }
    const outcomes = await Promise.all(reads);
    const count = (outcome: string) => outcomes.filter((candidate) => candidate === outcome).length;
    const other = outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'DATABASE_UNAVAILABLE');
    const lockedP99 = percentile(locked, 0.99);
    progress(
      `database lock: /healthz during a ${options.lockSeconds} s lock p50 ${formatMs(percentile(locked, 0.5))}, p99 ${formatMs(lockedP99)}, ` +
        `max ${formatMs(Math.max(...locked))} (${locked.length} requests); reads ${count('ok')} ok, ${count('DATABASE_UNAVAILABLE')} DATABASE_UNAVAILABLE, ${other.length} other`,
    );

    const benchmark = '/healthz while another process holds the SQLite lock';
    return [
      {
        benchmark,
        measure: `no lock: p50 / p99 of ${unlocked.length} sequential requests`,
        value: `${formatMs(percentile(unlocked, 0.5))} / ${formatMs(percentile(unlocked, 0.99))}`,
      },
      {
        benchmark,
        measure: `${options.lockSeconds} s BEGIN EXCLUSIVE by another process, a GraphQL read every ${options.readIntervalMs} ms waiting: p50 / p99 of ${locked.length}`,
        value: `${formatMs(percentile(locked, 0.5))} / ${formatMs(lockedP99)}`,
        target: `p99 < ${lockedHealthzBudgetMs} ms`,
        met: lockedP99 < lockedHealthzBudgetMs,
      },
      {
        benchmark,
        measure: `the ${outcomes.length} GraphQL reads issued during the lock (busy timeout 5 s)`,
        value: `${count('ok')} answered after it, ${count('DATABASE_UNAVAILABLE')} DATABASE_UNAVAILABLE, ${other.length} other${other.length > 0 ? ` (${[...new Set(other)].join(', ')})` : ''}`,
        target: 'no other error',
        met: other.length === 0,
      },
    ];
  } finally {
    await server.stop();
    await rm(workspace, { recursive: true, force: true });
  }
}
