// What differs between the server databases (PostgreSQL, MySQL / MariaDB) under the ONE set of
// write modules in src/db/server (and the read modules in src/db/queries): a few SQL fragments,
// the pool of connections, how a transaction starts, and which driver errors mean "try again"
// or "the database is down".
// Each dialect implements this once (src/db/postgresql, src/db/mysql); nothing else knows it.
import type { SQL } from 'drizzle-orm';
import type { SqlFragments } from '../sql-fragments.js';

/**
 * How a unit of work runs on its connection (see transaction-runner.ts):
 * - `read`: statements in autocommit, each sees the data as of its own start (a single statement
 *   is atomic; several independent reads need no common snapshot). Repeatable as a whole.
 * - `snapshot`: a read-only transaction in which every statement sees ONE snapshot (REPEATABLE READ).
 * - `write`: a read-write transaction at the server's default isolation (as Optuna runs its own);
 *   rows that decide the write are locked with `SELECT … FOR UPDATE`.
 */
export type TransactionMode = 'read' | 'snapshot' | 'write';

/**
 * What a failed statement means for the work that ran it:
 * - `retry-transaction`: a serialization failure or deadlock; the transaction was rolled back
 *   and running it again as a whole is expected to succeed.
 * - `connection`: the database could not be reached or the connection broke (server down,
 *   restarting, dropped an idle connection, refused a new one); the connection is unusable.
 * - `other`: anything else (a bug, a constraint the work did not expect): reported as it is.
 */
export type ServerErrorKind = 'retry-transaction' | 'connection' | 'other';

/** SQL compiled for the driver: the text with the dialect's placeholders, and their values. */
export interface CompiledStatement {
  sql: string;
  params: unknown[];
}

/** One statement's outcome, as the driver reports it. */
export interface DriverResult {
  /** Result rows as arrays of column values, in select order (empty for statements without rows). */
  rows: unknown[][];
  /** The result's column names, in select order. */
  columns: string[];
  /** Rows inserted, updated or deleted. */
  affectedRows: number;
  /** The AUTO_INCREMENT id an INSERT generated (MySQL); null where ids come back as rows (PostgreSQL RETURNING). */
  insertId: number | null;
}

/**
 * One connection taken from the dialect's pool. Values arrive as the shared modules need them:
 * integers (also COUNT and BIGINT results) as numbers, doubles as numbers, naive DATETIME /
 * `timestamp without time zone` as the stored text (never a Date: src/optuna/datetimes.ts reads it).
 */
export interface DriverConnection {
  /** Runs one statement. Rejects with the driver's error (classified by `classifyError`). */
  query(statement: CompiledStatement): Promise<DriverResult>;
  /** Gives the connection back to the pool; `broken` closes it instead (after a connection error). */
  release(broken: boolean): void;
}

/**
 * A channel on which every instance on the same database hears the others' artifact writes
 * (PostgreSQL LISTEN / NOTIFY).
 */
export interface ArtifactWriteChannel {
  /** A statement that sends `payload` to every listener when the transaction running it commits. */
  notify(payload: string): SQL;
  /**
   * Listens on a dedicated connection, which is made again after an outage; `onPayload(null)`
   * tells that notices may have been lost meanwhile. Resolves once listening (or once the first
   * attempt failed: the retries go on). The function stops listening.
   */
  listen(onPayload: (payload: string | null) => void): Promise<() => Promise<void>>;
}

/** One server dialect: its SQL fragments, its pool, and how its transactions and errors work. */
export interface ServerDialect extends SqlFragments {
  /** The dialect, for messages only. */
  readonly name: 'postgresql' | 'mysql';

  // ---- Compiling and running ----

  /** `query` in the dialect's syntax: placeholders, identifier quoting (drizzle's dialect does it). */
  compile(query: SQL): CompiledStatement;
  /**
   * A connection from the pool, checked so that a connection the server dropped while idle is
   * never handed out (or its failure is a `connection` error before any statement ran, which the
   * runner retries on a fresh one). Rejects when no connection can be made.
   */
  connect(): Promise<DriverConnection>;
  /** The statements that start a transaction in `mode` (none for `read`: autocommit). */
  beginStatements(mode: TransactionMode): readonly string[];
  /** What a driver error means (see ServerErrorKind). */
  classifyError(error: unknown): ServerErrorKind;
  /** Closes every connection of the pool. */
  end(): Promise<void>;
  /** The channel for artifact write notices; null where there is none (MySQL: looks find the writes). */
  readonly artifactWrites: ArtifactWriteChannel | null;

  // ---- SQL fragments of the writes (those of the reads: SqlFragments) ----

  /**
   * `insert` (an `INSERT INTO t (…) VALUES (…)` of one row) turned into an upsert as Optuna's
   * dialect does it: on a clash with the unique key `conflictColumns`, the existing row takes the
   * new values of `updateColumns` (PostgreSQL `ON CONFLICT … DO UPDATE`, MySQL `ON DUPLICATE KEY UPDATE`).
   */
  upsert(insert: SQL, conflictColumns: readonly string[], updateColumns: readonly string[]): SQL;
  /**
   * `insert` (an INSERT of one row) made to report the new id of `idColumn`: PostgreSQL appends
   * `RETURNING idColumn` (the id arrives as the only row); MySQL returns it unchanged (insertId).
   */
  returningId(insert: SQL, idColumn: string): SQL;
  /**
   * The largest number of bytes a TEXT value (attribute `value_json`) may hold, or null for no
   * limit (PostgreSQL). Writes refuse larger values before anything is written.
   */
  readonly maxTextBytes: number | null;
}
