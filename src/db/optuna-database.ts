// The server's handle on an Optuna SQLite storage: opens (or creates) the file, then offers the
// query and write modules. Opening never changes an existing database: no DDL, no journal
// mode change (Optuna uses journal_mode=delete), nothing written until a mutation asks.
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { ArtifactAttributeQueries } from './artifact-attribute-queries.js';
import { ArtifactAttributeWrites } from './artifact-attribute-writes.js';
import { consoleDatabaseLogger, OnceLogger, type DatabaseLogger } from './database-logger.js';
import { ensureOptunaSchema, UnusableDatabaseError } from './optuna-schema-setup.js';
import type { ImmediateTransaction, OptunaSql } from './sql-executor.js';
import { StatementCounter } from './statement-counter.js';
import { StudyQueries } from './study-queries.js';
import { StudyWrites } from './study-writes.js';
import { TrialDetailQueries } from './trial-detail-queries.js';
import { TrialQueries } from './trial-queries.js';
import { TrialWrites } from './trial-writes.js';

export interface OpenOptunaDatabaseOptions {
  /**
   * Open read-only: the file must exist and already be an Optuna database; writes fail.
   * @default false
   */
  readonly?: boolean;
  /**
   * How long a statement waits for a lock held by another process (Python Optuna writing the
   * same file) before failing. Writes are short, so this is rarely reached.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * `version_info.library_version` of a database this server creates (Optuna writes its own
   * version there and only shows it in messages).
   * @default 'optuna-artifacts-graphql'
   */
  libraryVersion?: string;
  /** Where skipped (malformed) rows are reported. @default console.warn */
  logger?: DatabaseLogger;
}

export class OptunaDatabase {
  /** Counts every statement run through `orm` (and so through every module below). */
  readonly statements = new StatementCounter();
  readonly orm: OptunaSql;
  readonly log: OnceLogger;
  readonly studies: StudyQueries;
  readonly trials: TrialQueries;
  readonly trialDetails: TrialDetailQueries;
  readonly artifactAttributes: ArtifactAttributeQueries;
  readonly studyWrites: StudyWrites;
  readonly trialWrites: TrialWrites;
  readonly artifactAttributeWrites: ArtifactAttributeWrites;
  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction (committed on return, rolled back on
   * throw). Keep it short: the whole file is locked for other writers meanwhile.
   */
  readonly writeTransaction: ImmediateTransaction;

  constructor(
    /** The file path as given. */
    readonly path: string,
    /** The better-sqlite3 connection (synchronous; one per process is enough). */
    readonly connection: Database.Database,
    logger: DatabaseLogger = consoleDatabaseLogger,
  ) {
    const orm = drizzle({ client: connection, logger: this.statements });
    this.orm = orm;
    // drizzle runs better-sqlite3's transaction(...).immediate(); the callback must be synchronous.
    this.writeTransaction = (work) => orm.transaction((tx) => work(tx), { behavior: 'immediate' });
    this.log = new OnceLogger(logger);
    this.studies = new StudyQueries(orm, this.log);
    this.trials = new TrialQueries(orm);
    this.trialDetails = new TrialDetailQueries(orm, this.log);
    this.artifactAttributes = new ArtifactAttributeQueries(orm);
    this.studyWrites = new StudyWrites(this.writeTransaction);
    this.trialWrites = new TrialWrites(this.writeTransaction);
    this.artifactAttributeWrites = new ArtifactAttributeWrites(this.writeTransaction);
  }

  /** Throws when the database cannot be read right now (for readiness checks). */
  checkReadable(): void {
    this.orm.get(sql`SELECT version_num FROM alembic_version`);
  }

  get readonly(): boolean {
    return this.connection.readonly;
  }

  close(): void {
    this.connection.close();
  }
}

/**
 * Opens the Optuna SQLite database at `path`. A missing (or empty) file becomes a fresh
 * database that Optuna accepts as its own; an existing one is checked and used as it is.
 * Throws an Error with one clear line when the file is not a usable Optuna database (for an
 * unknown schema version the line names `optuna storage upgrade`).
 */
export function openOptunaDatabase(path: string, options: OpenOptunaDatabaseOptions = {}): OptunaDatabase {
  const readonly = options.readonly ?? false;
  const connection = new Database(path, {
    readonly,
    fileMustExist: readonly,
    timeout: options.busyTimeoutMs ?? 5000,
  });
  try {
    // Optuna runs with foreign keys off (SQLite's default, which better-sqlite3 flips); this is
    // a connection setting and does not touch the file.
    connection.pragma('foreign_keys = OFF');
    ensureOptunaSchema(connection, path, {
      readonly,
      libraryVersion: options.libraryVersion ?? 'optuna-artifacts-graphql',
    });
    return new OptunaDatabase(path, connection, options.logger);
  } catch (error) {
    connection.close();
    if (error instanceof UnusableDatabaseError) throw error;
    // SQLite's own complaint ("file is not a database", "database is locked", ...), with the path.
    throw new UnusableDatabaseError(`${path} cannot be opened as an Optuna database: ${(error as Error).message}`, { cause: error });
  }
}
