// The storage contract (../optuna-database.ts) on a server database, for every dialect that
// implements ServerDialect: the shared read modules (../queries) and the server write modules
// over one pool, each read and each write transaction run by transaction-runner.ts.
import { sql } from 'drizzle-orm';
import type { Logger } from '../../logger.js';
import type { DatetimeZone } from '../../optuna/datetimes.js';
import { OnceLogger } from '../database-logger.js';
import type {
  ArtifactWatchAnswer,
  ArtifactWatchLook,
  ArtifactWriteListener,
  OptunaDatabase,
} from '../optuna-database.js';
import { SqlArtifactAttributeQueries } from '../queries/artifact-attribute-queries.js';
import { SqlStudyQueries } from '../queries/study-queries.js';
import { SqlTrialDetailQueries } from '../queries/trial-detail-queries.js';
import { SqlTrialQueries } from '../queries/trial-queries.js';
import { StatementCounter } from '../statement-counter.js';
import { ServerArtifactAttributeWrites } from './artifact-attribute-writes.js';
import { selectServerWatchAnswer } from './artifact-watch-queries.js';
import { decodeArtifactWriteNotice } from './artifact-write-notices.js';
import type { ServerReads, ServerWriteTransaction } from './server-reads.js';
import type { ServerDialect } from './server-dialect.js';
import { ServerStudyWrites } from './study-writes.js';
import { ServerTrialWrites } from './trial-writes.js';
import { TransactionRunner } from './transaction-runner.js';

export interface ServerDatabaseOptions {
  /** How long work may fail to reach the database before DATABASE_UNAVAILABLE. */
  busyTimeoutMs: number;
  logger: Logger;
  datetimeZone: DatetimeZone;
}

export class ServerOptunaDatabase implements OptunaDatabase {
  readonly statements = new StatementCounter();
  readonly log: OnceLogger;
  readonly studies: SqlStudyQueries;
  readonly trials: SqlTrialQueries;
  readonly trialDetails: SqlTrialDetailQueries;
  readonly artifactAttributes: SqlArtifactAttributeQueries;
  readonly studyWrites: ServerStudyWrites;
  readonly trialWrites: ServerTrialWrites;
  readonly artifactAttributeWrites: ServerArtifactAttributeWrites;
  /** Runs reads on a pooled connection (autocommit). */
  readonly read: ServerReads;
  /** Runs work in one short write transaction, tried again as a whole after a conflict. */
  readonly writeTransaction: ServerWriteTransaction;
  private readonly runner: TransactionRunner;
  /**
   * There is no cheap "has anyone committed" on a server database (SQLite's data_version): each
   * look reads (cheaply), and the version only numbers the answers.
   */
  private answers = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly dialect: ServerDialect,
    options: ServerDatabaseOptions,
  ) {
    this.runner = new TransactionRunner(dialect, this.statements, options.busyTimeoutMs);
    this.read = (work) => this.runner.run('read', work);
    this.writeTransaction = (work) => this.runner.run('write', work);
    this.log = new OnceLogger(options.logger);
    this.studies = new SqlStudyQueries(this.read, this.log);
    this.trials = new SqlTrialQueries(this.read, options.datetimeZone);
    this.trialDetails = new SqlTrialDetailQueries(this.read, this.log);
    this.artifactAttributes = new SqlArtifactAttributeQueries(this.read);
    this.studyWrites = new ServerStudyWrites(this.writeTransaction);
    this.trialWrites = new ServerTrialWrites(this.writeTransaction, options.datetimeZone);
    this.artifactAttributeWrites = new ServerArtifactAttributeWrites(this.writeTransaction, dialect.maxTextBytes);
  }

  /** Every look reads: two statements in autocommit (see artifact-watch-queries.ts why no snapshot is needed). */
  watchArtifacts(look: ArtifactWatchLook): Promise<ArtifactWatchAnswer> {
    return this.read(async (db) => {
      const changes = await selectServerWatchAnswer(db, look);
      this.answers += 1;
      return { version: this.answers, changes };
    });
  }

  async listenForArtifactWrites(listener: ArtifactWriteListener): Promise<(() => Promise<void>) | null> {
    const channel = this.dialect.artifactWrites;
    if (channel === null) return null;
    return channel.listen((payload) => {
      if (payload === null) listener.onNotice(null);
      else {
        const notice = decodeArtifactWriteNotice(payload);
        if (notice !== null) listener.onNotice(notice);
      }
    });
  }

  async checkReadable(): Promise<void> {
    await this.read((db) => db.values(sql`SELECT version_num FROM alembic_version`));
  }

  /** Stops new work and closes the pool's connections (once, however often it is called). */
  close(): Promise<void> {
    this.runner.close();
    this.closing ??= this.dialect.end();
    return this.closing;
  }
}
