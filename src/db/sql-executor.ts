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

/** Keys that start with `prefix`, as a range the (owner, key) unique index can serve. LIKE is
 * avoided: it is case-insensitive in SQLite and treats `_` as a wildcard. */
export function keyHasPrefix(column: SQLWrapper, prefix: string): SQL {
  const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return sql`(${column} >= ${prefix} AND ${column} < ${next})`;
}

/** Groups rows by a key, keeping their order. */
export function groupRows<Row, Key>(rows: readonly Row[], keyOf: (row: Row) => Key): Map<Key, Row[]> {
  const groups = new Map<Key, Row[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
