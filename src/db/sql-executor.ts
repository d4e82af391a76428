// What the SQLite query modules run SQL on: the drizzle database or a transaction inside it
// (both synchronous over better-sqlite3), and small SQL fragments they share.
import type { RunResult } from 'better-sqlite3';
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';

export type OptunaSql = BaseSQLiteDatabase<'sync', RunResult, Record<string, unknown>>;

/**
 * Runs the synchronous reads of `work` now or, while another process holds the lock, once it is
 * free (see busy-retry.ts): `work` may run more than once, so it only reads.
 */
export type ReadRunner = <Result>(work: (sql: OptunaSql) => Result) => Promise<Result>;

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a
 * concurrent writer (Python Optuna) makes us wait instead of failing half-way with "database is
 * locked" on lock upgrade. The wait is asynchronous and the transaction is tried again as a
 * whole (see busy-retry.ts), so `work` must be synchronous and pure database work: it may run
 * more than once, and only the last run commits.
 */
export type ImmediateTransaction = <Result>(work: (sql: OptunaSql) => Result) => Promise<Result>;

/**
 * `column IN (…)` with the values passed as ONE JSON parameter: batches from dataloaders can be
 * larger than SQLite's limit on bound parameters, and one statement text serves every size.
 */
export function inJsonArray(column: SQLWrapper, values: readonly (number | string)[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}
