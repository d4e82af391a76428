// Optuna's ask and tell on a server database, statement for statement as Optuna's RDBStorage
// runs them there (OPTUNA-RDB.md): the studies row locked FOR UPDATE before a trial is numbered,
// so that numbers stay unique against concurrent Python workers; the trial row locked before
// it is finished.
import { sql } from 'drizzle-orm';
import type { TrialFinishRequest } from '../../optuna/ask-tell-rules.js';
import type { DatetimeZone } from '../../optuna/datetimes.js';
import { OwnerNotFoundError } from '../database-errors.js';
import type { TrialWrites } from '../optuna-database.js';
import { selectTrial, type TrialRecord } from '../queries/trial-queries.js';
import * as trialFinish from '../trial-finish.js';
import type { ServerWriteTransaction } from './server-reads.js';
import type { ServerSql } from './server-sql.js';

export class ServerTrialWrites implements TrialWrites {
  constructor(
    private readonly transaction: ServerWriteTransaction,
    /** The zone of the naive DATETIME columns. */
    private readonly zone: DatetimeZone,
    /** The clock, replaceable in tests. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Optuna's `_create_new_trial`: lock the study, insert, count the earlier trials, number. */
  create(studyId: number): Promise<TrialRecord> {
    return this.transaction(async (db) => {
      // Every writer that numbers a trial of this study queues here until the others commit.
      if (!(await db.get(sql`SELECT study_id FROM studies WHERE study_id = ${studyId} FOR UPDATE`))) {
        throw new OwnerNotFoundError('study', studyId);
      }
      const started = this.zone.storedFromDate(this.now());
      const trialId = await db.insert(
        sql`INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete)
          VALUES (NULL, ${studyId}, 'RUNNING', ${started}, NULL)`,
        'trial_id',
      );
      // Optuna's TrialModel.count_past_trials. A statement of its own: MySQL cannot UPDATE a
      // table from a subquery on the same table. The first plain read after the lock, so it
      // sees every trial committed before (READ COMMITTED, or InnoDB's first snapshot).
      const past = await db.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM trials WHERE study_id = ${studyId} AND trial_id < ${trialId}`,
      );
      await db.run(sql`UPDATE trials SET number = ${past?.n ?? 0} WHERE trial_id = ${trialId}`);
      return readTrial(db, trialId, this.zone);
    });
  }

  finish(trialId: number, request: TrialFinishRequest): Promise<TrialRecord> {
    return this.transaction(async (db) => {
      const trial = await db.get<trialFinish.TrialRow>(trialFinish.trialStatement(trialId, sql`FOR UPDATE`));
      if (!trial) throw new OwnerNotFoundError('trial', trialId);
      const last = await db.get<trialFinish.LastIntermediateValueRow>(
        trialFinish.lastIntermediateValueStatement(trialId),
      );
      const plan = trialFinish.plan(request, trial, last);
      const completed = this.zone.storedFromDate(this.now());
      const writes = trialFinish.writeStatements(trialId, plan, completed, (...upsert) => db.dialect.upsert(...upsert));
      for (const statement of writes) await db.run(statement);
      return readTrial(db, trialId, this.zone);
    });
  }
}

async function readTrial(db: ServerSql, trialId: number, zone: DatetimeZone): Promise<TrialRecord> {
  const trial = await selectTrial(db, trialId, zone);
  if (!trial) throw new Error(`Trial ${trialId} vanished inside its own transaction`);
  return trial;
}
