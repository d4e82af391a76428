// The SQLite adapter of the storage contract (optuna-database.ts): opens (or creates) the file
// and runs every statement on one synchronous better-sqlite3 connection, through the lock
// queues of busy-retry.ts, so that a lock another process holds never blocks the event loop.
// Opening never changes an existing database: no DDL, no journal mode change (Optuna uses
// journal_mode=delete), nothing written until a mutation asks.
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { selectWatchAnswer } from './artifact-watch-queries.js';
import { SqliteArtifactAttributeWrites } from './artifact-attribute-writes.js';
import { BusyRetry, statementBusyTimeoutMs } from './busy-retry.js';
import { describeError } from '../error-text.js';
import { logger as processLogger, type Logger } from '../logger.js';
import { OnceLogger } from './database-logger.js';
import { DatetimeZone } from '../optuna/datetimes.js';
import { UnusableDatabaseError } from './database-errors.js';
import type { ArtifactWatchAnswer, ArtifactWatchLook, DataVersion, OptunaDatabase } from './optuna-database.js';
import { ensureOptunaSchema } from './optuna-schema-setup.js';
import { SqlArtifactAttributeQueries } from './queries/artifact-attribute-queries.js';
import { SqlStudyQueries } from './queries/study-queries.js';
import { SqlTrialDetailQueries } from './queries/trial-detail-queries.js';
import { SqlTrialQueries } from './queries/trial-queries.js';
import type { ImmediateTransaction, OptunaSql } from './sql-executor.js';
import { sqliteReads } from './sqlite-query-sql.js';
import { StatementCounter } from './statement-counter.js';
import { SqliteStudyWrites } from './study-writes.js';
import { SqliteTrialWrites } from './trial-writes.js';

export interface OpenOptunaDatabaseOptions {
  /**
   * Open read-only: the file must exist and already be an Optuna database; writes fail.
   * @default false
   */
  readonly?: boolean;
  /**
   * How long a statement or transaction waits for a lock held by another process (Python
   * Optuna writing the same file) before it fails with DATABASE_UNAVAILABLE. The wait is
   * asynchronous: other requests are served meanwhile.
   * @default 5000: Optuna's own writes take milliseconds; a lock held longer is a stuck or
   *   bulk writer, and a client is better told so than left hanging
   */
  busyTimeoutMs?: number;
  /**
   * `version_info.library_version` of a database this server creates (Optuna writes its own
   * version there and only shows it in messages).
   * @default 'optuna-artifacts-graphql'
   */
  libraryVersion?: string;
  /** Where skipped (malformed) rows are reported. @default the server's logger */
  logger?: Logger;
  /** The zone of Optuna's naive DATETIME columns. @default DatetimeZone.utc (Optuna >= 5) */
  datetimeZone?: DatetimeZone;
}

export class SqliteOptunaDatabase implements OptunaDatabase {
  readonly statements = new StatementCounter();
  /** The drizzle handle over the connection (synchronous; tests set up rows with it). */
  readonly orm: OptunaSql;
  readonly log: OnceLogger;
  readonly studies: SqlStudyQueries;
  readonly trials: SqlTrialQueries;
  readonly trialDetails: SqlTrialDetailQueries;
  readonly artifactAttributes: SqlArtifactAttributeQueries;
  readonly studyWrites: SqliteStudyWrites;
  readonly trialWrites: SqliteTrialWrites;
  readonly artifactAttributeWrites: SqliteArtifactAttributeWrites;
  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction (committed on return, rolled back on
   * throw), tried again as a whole while another process holds the lock. Keep it short: the
   * whole file is locked for other writers meanwhile.
   */
  readonly writeTransaction: ImmediateTransaction;
  /** Another process's write transaction blocks our writes but (outside EXCLUSIVE) not our reads: one queue each. */
  private readonly readQueue: BusyRetry;
  private readonly writeQueue: BusyRetry;
  private readonly readWatchAnswer: (look: ArtifactWatchLook) => ArtifactWatchAnswer;

  constructor(
    /** The file path as given. */
    readonly path: string,
    /** The better-sqlite3 connection (synchronous; one per process is enough). */
    readonly connection: Database.Database,
    options: { busyTimeoutMs: number; logger: Logger; datetimeZone: DatetimeZone },
  ) {
    const orm = drizzle({ client: connection, logger: this.statements });
    this.orm = orm;
    this.readQueue = new BusyRetry(options.busyTimeoutMs);
    this.writeQueue = new BusyRetry(options.busyTimeoutMs);
    const read = sqliteReads(orm, this.readQueue);
    // drizzle runs better-sqlite3's transaction(...).immediate(); the callback must be synchronous.
    this.writeTransaction = (work) =>
      this.writeQueue.run(() => orm.transaction((tx) => work(tx), { behavior: 'immediate' }));
    // data_version first, in the same read transaction as the rows: it changes only when
    // another connection commits, so an unchanged one saves the other statements.
    this.readWatchAnswer = connection.transaction((look: ArtifactWatchLook): ArtifactWatchAnswer => {
      const version = connection.pragma('data_version', { simple: true }) as DataVersion;
      if (version === look.since) return { version, changes: null };
      return { version, changes: selectWatchAnswer(orm, look) };
    });
    this.log = new OnceLogger(options.logger);
    this.studies = new SqlStudyQueries(read, this.log);
    this.trials = new SqlTrialQueries(read, options.datetimeZone);
    this.trialDetails = new SqlTrialDetailQueries(read, this.log);
    this.artifactAttributes = new SqlArtifactAttributeQueries(read);
    this.studyWrites = new SqliteStudyWrites(this.writeTransaction);
    this.trialWrites = new SqliteTrialWrites(this.writeTransaction, options.datetimeZone);
    this.artifactAttributeWrites = new SqliteArtifactAttributeWrites(this.writeTransaction);
  }

  watchArtifacts(look: ArtifactWatchLook): Promise<ArtifactWatchAnswer> {
    return this.readQueue.run(() => this.readWatchAnswer(look));
  }

  /** One process per SQLite file is the norm; other writers are found by the looks. */
  listenForArtifactWrites(): Promise<null> {
    return Promise.resolve(null);
  }

  checkReadable(): Promise<void> {
    return this.readQueue.run(() => {
      this.orm.get(sql`SELECT version_num FROM alembic_version`);
    });
  }

  get readonly(): boolean {
    return this.connection.readonly;
  }

  /** Closes at once (better-sqlite3 is synchronous); the promise is the contract's. */
  close(): Promise<void> {
    this.readQueue.close();
    this.writeQueue.close();
    this.connection.close();
    return Promise.resolve();
  }
}

/**
 * Opens the Optuna SQLite database at `path`. A missing (or empty) file becomes a fresh
 * database that Optuna accepts as its own; an existing one is checked and used as it is.
 * @throws UnusableDatabaseError with one clear line when the file cannot be opened or is not a
 *   usable Optuna database (for an unknown schema version the line names `optuna storage upgrade`)
 */
export function openOptunaDatabase(path: string, options: OpenOptunaDatabaseOptions = {}): SqliteOptunaDatabase {
  try {
    return openCheckedDatabase(path, options);
  } catch (error) {
    if (error instanceof UnusableDatabaseError) throw error;
    // SQLite's own complaint ("unable to open database file", "file is not a database", ...).
    throw new UnusableDatabaseError(path, `cannot be opened as an Optuna database: ${describeError(error)}`, {
      cause: error,
    });
  }
}

function openCheckedDatabase(path: string, options: OpenOptunaDatabaseOptions): SqliteOptunaDatabase {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  // Nothing is served while the database opens, so here SQLite itself may wait for a lock.
  const connection = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  try {
    // Optuna runs with foreign keys off (SQLite's default, which better-sqlite3 flips); this is
    // a connection setting and does not touch the file.
    connection.pragma('foreign_keys = OFF');
    ensureOptunaSchema(connection, path, {
      readonly,
      libraryVersion: options.libraryVersion ?? 'optuna-artifacts-graphql',
    });
    // From now on, waits for a lock happen on timers (busy-retry.ts), not inside SQLite.
    connection.pragma(`busy_timeout = ${statementBusyTimeoutMs}`);
    return new SqliteOptunaDatabase(path, connection, {
      busyTimeoutMs,
      logger: options.logger ?? processLogger,
      datetimeZone: options.datetimeZone ?? DatetimeZone.utc,
    });
  } catch (error) {
    connection.close();
    throw error;
  }
}
