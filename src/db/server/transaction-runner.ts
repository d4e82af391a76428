// Runs units of database work on a server dialect's pool: takes a connection, starts the
// transaction the mode asks for, commits, gives the connection back. It hides what a client
// must never see: a serialization failure or deadlock runs the transaction again as a whole (a
// bounded number of times), and a broken or refused connection is retried on a fresh one until
// the busy timeout, then fails with DATABASE_UNAVAILABLE. The database coming back needs no
// restart: every unit asks the pool again.
import { DatabaseUnavailableError } from '../database-errors.js';
import type { StatementCounter } from '../statement-counter.js';
import type { DriverConnection, ServerDialect, TransactionMode } from './server-dialect.js';
import { ServerSql } from './server-sql.js';

/** Optuna's own `_create_new_trial` tries 5 times; a conflict that persists past that is not transient. */
const maxConflictAttempts = 5;
/** Waits between tries after a connection failure: doubling from the first to the last. */
const firstReconnectDelayMs = 25;
const maxReconnectDelayMs = 250;

/**
 * A unit of work: database work only (no side effects outside the database), because it may run
 * more than once, and only the last run commits.
 */
export type ServerWork<Result> = (db: ServerSql) => Promise<Result>;

export class TransactionRunner {
  private closed = false;

  constructor(
    private readonly dialect: ServerDialect,
    private readonly statements: StatementCounter,
    /** How long a unit may keep failing to reach the database before DATABASE_UNAVAILABLE. */
    private readonly busyTimeoutMs: number,
  ) {}

  /** Runs `work` in `mode` (see TransactionMode); its result once committed. */
  async run<Result>(mode: TransactionMode, work: ServerWork<Result>): Promise<Result> {
    const giveUpAt = Date.now() + this.busyTimeoutMs;
    let conflicts = 0;
    let reconnectDelayMs = firstReconnectDelayMs;
    for (;;) {
      if (this.closed) throw new DatabaseUnavailableError('The database connection pool was closed');
      const outcome = await this.attempt(mode, work);
      if (outcome.kind === 'done') return outcome.result;
      if (outcome.kind === 'conflict') {
        conflicts += 1;
        if (conflicts >= maxConflictAttempts) {
          throw new DatabaseUnavailableError(
            `The database kept refusing the transaction as conflicting with concurrent writers (${conflicts} tries). Retry later.`,
            { cause: outcome.error },
          );
        }
        continue;
      }
      // A connection failure: a later try may find the database back, until the deadline.
      const remainingMs = giveUpAt - Date.now();
      if (!outcome.retryable || remainingMs <= 0 || this.closed) {
        // The client learns the kind of failure, not the addresses in the driver's message.
        throw new DatabaseUnavailableError(`The database does not answer${failureCode(outcome.error)}. Retry later.`, {
          cause: outcome.error,
        });
      }
      await delay(Math.min(reconnectDelayMs, remainingMs));
      reconnectDelayMs = Math.min(reconnectDelayMs * 2, maxReconnectDelayMs);
    }
  }

  /** Stops new work; work running now finishes or fails on its own. */
  close(): void {
    this.closed = true;
  }

  private async attempt<Result>(mode: TransactionMode, work: ServerWork<Result>): Promise<Attempt<Result>> {
    let connection: DriverConnection;
    try {
      connection = await this.dialect.connect();
    } catch (error) {
      if (this.dialect.classifyError(error) === 'other') throw error;
      return { kind: 'connection', error, retryable: true };
    }
    const control = (statement: string) => connection.query({ sql: statement, params: [] });
    let committing = false;
    try {
      for (const statement of this.dialect.beginStatements(mode)) await control(statement);
      const result = await work(new ServerSql(this.dialect, connection, this.statements));
      if (mode !== 'read') {
        committing = true;
        await control('COMMIT');
      }
      connection.release(false);
      return { kind: 'done', result };
    } catch (error) {
      const kind = this.dialect.classifyError(error);
      if (kind === 'connection') {
        connection.release(true);
        // The server rolls back a transaction whose connection broke, unless the COMMIT
        // already reached it: then whether it committed is unknown, and trying again could
        // write twice.
        return { kind: 'connection', error, retryable: !committing };
      }
      const rolledBack =
        mode === 'read' ||
        (await control('ROLLBACK').then(
          () => true,
          () => false,
        ));
      connection.release(!rolledBack);
      if (kind === 'retry-transaction') return { kind: 'conflict', error };
      throw error;
    }
  }
}

type Attempt<Result> =
  | { kind: 'done'; result: Result }
  | { kind: 'conflict'; error: unknown }
  | { kind: 'connection'; error: unknown; retryable: boolean };

/** ` (ECONNREFUSED)`, ` (57P01)`: the driver's code of the failure, when it has one. */
function failureCode(error: unknown): string {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' || typeof code === 'number' ? ` (${code})` : '';
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
