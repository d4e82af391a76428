// What SQLite's synchronous work runs SQL on: the drizzle database or a transaction inside it
// (both synchronous over better-sqlite3). Reads run the shared modules instead (sqlite-query-sql.ts).
import type { RunResult } from 'better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';

export type OptunaSql = BaseSQLiteDatabase<'sync', RunResult, Record<string, unknown>>;

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a
 * concurrent writer (Python Optuna) makes us wait instead of failing half-way with "database is
 * locked" on lock upgrade. The wait is asynchronous and the transaction is tried again as a
 * whole (see busy-retry.ts), so `work` must be synchronous and pure database work: it may run
 * more than once, and only the last run commits.
 */
export type ImmediateTransaction = <Result>(work: (sql: OptunaSql) => Result) => Promise<Result>;
