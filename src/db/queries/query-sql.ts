// What the read modules of this folder run on, whatever the database: statements built with the
// dialect's fragments, answered asynchronously (SQLite: sqlite-query-sql.ts; PostgreSQL and
// MySQL: server/server-sql.ts). Every statement is counted (tests pin statement counts).
import type { SQL } from 'drizzle-orm';
import type { SqlFragments } from '../sql-fragments.js';

export interface QuerySql {
  /** The dialect's SQL fragments, to build statements with. */
  readonly fragments: SqlFragments;
  /** Rows as arrays of column values, in select order (the cheapest form). */
  values<Row extends unknown[]>(query: SQL): Promise<Row[]>;
  /** Rows as objects keyed by column name (alias). */
  rows<Row extends object>(query: SQL): Promise<Row[]>;
  /** The first row as an object; undefined when there is none. */
  get<Row extends object>(query: SQL): Promise<Row | undefined>;
}

/**
 * Runs `work` (reads only: it may run again, after a lock or a dropped connection) and resolves
 * with its result. Each statement sees the data as of its own start: no snapshot across statements.
 */
export type Reads = <Result>(work: (db: QuerySql) => Promise<Result>) => Promise<Result>;
