// The shared read modules (src/db/queries) on SQLite: each statement runs synchronously on the
// better-sqlite3 connection as it is called, and its rows come back in a settled promise. Reads
// wait for another process's lock in the read queue of busy-retry.ts.
import type { SQL } from 'drizzle-orm';
import { isLockedError, type BusyRetry } from './busy-retry.js';
import type { QuerySql, Reads } from './queries/query-sql.js';
import type { OptunaSql } from './sql-executor.js';
import { sqliteFragments } from './sqlite-fragments.js';

/** The statements of one try of a unit of read work. */
class SqliteQuerySql implements QuerySql {
  readonly fragments = sqliteFragments;
  /** The first statement's failure on another process's lock (the work's promise rejects only later). */
  lockedError: unknown = undefined;

  constructor(private readonly orm: OptunaSql) {}

  values<Row extends unknown[]>(query: SQL): Promise<Row[]> {
    return this.settle(() => this.orm.values<Row>(query));
  }

  rows<Row extends object>(query: SQL): Promise<Row[]> {
    return this.settle(() => this.orm.all<Row>(query));
  }

  get<Row extends object>(query: SQL): Promise<Row | undefined> {
    return this.settle(() => this.orm.get<Row | undefined>(query));
  }

  private settle<Value>(statement: () => Value): Promise<Value> {
    try {
      return Promise.resolve(statement());
    } catch (error) {
      if (isLockedError(error)) this.lockedError ??= error;
      return Promise.reject(error);
    }
  }
}

/**
 * Runs read work on `orm` through `queue`. A statement the work runs as it is called (every
 * read of ours: one statement, before any `await`) meets the lock synchronously: the work then
 * throws at once, so it queues ahead of work arriving later in the same turn, as synchronous
 * work does. Work that meets the lock after an `await` queues when its promise rejects.
 */
export function sqliteReads(orm: OptunaSql, queue: BusyRetry): Reads {
  return (work) =>
    queue.run(() => {
      const db = new SqliteQuerySql(orm);
      const result = work(db);
      if (db.lockedError !== undefined) {
        // Its rejection is the lock error thrown here, retried by the queue.
        result.catch(() => {});
        throw db.lockedError;
      }
      return result;
    });
}
