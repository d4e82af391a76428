// The runners of a server database's work on a pooled connection (transaction-runner.ts): reads
// (the shared read modules take them as `Reads`) and write transactions.
import type { ServerSql } from './server-sql.js';

/** Runs `work` (reads only: it may run again after a dropped connection) and resolves with its result. */
export type ServerReads = <Result>(work: (db: ServerSql) => Promise<Result>) => Promise<Result>;

/** Runs `work` in one write transaction (tried again as a whole after a conflict; only the last run commits). */
export type ServerWriteTransaction = <Result>(work: (db: ServerSql) => Promise<Result>) => Promise<Result>;
