// Optuna's ask and tell on a SQLite storage: `create_new_trial` (a RUNNING trial numbered after
// the study's earlier trials) and `set_trial_state_values`, each in one short write transaction.
import { sql } from 'drizzle-orm';
import type { TrialFinishRequest } from '../optuna/ask-tell-rules.js';
import type { DatetimeZone } from '../optuna/datetimes.js';
import { OwnerNotFoundError } from './database-errors.js';
import type { TrialWrites } from './optuna-database.js';
import { onConflictUpdate } from './sql-fragments.js';
import type { ImmediateTransaction, OptunaSql } from './sql-executor.js';
import {
  trialByIdStatement,
  trialRecordFromValues,
  type TrialRecord,
  type TrialValues,
} from './queries/trial-queries.js';
import * as trialFinish from './trial-finish.js';

export class SqliteTrialWrites implements TrialWrites {
  constructor(
    private readonly transaction: ImmediateTransaction,
    /** The zone of the naive DATETIME columns. */
    private readonly zone: DatetimeZone,
    /** The clock, replaceable in tests. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(studyId: number): Promise<TrialRecord> {
    return this.transaction((db) => {
      if (!db.get(sql`SELECT 1 FROM studies WHERE study_id = ${studyId}`))
        throw new OwnerNotFoundError('study', studyId);
      const started = this.zone.storedFromDate(this.now());
      const inserted = db.get<{ trial_id: number }>(
        sql`INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete)
          VALUES (NULL, ${studyId}, 'RUNNING', ${started}, NULL) RETURNING trial_id`,
      );
      if (!inserted) throw new Error('INSERT INTO trials returned no row');
      // As Optuna's TrialModel.count_past_trials: the study's trials with a smaller id.
      db.run(
        sql`UPDATE trials SET number = (SELECT count(*) FROM trials p WHERE p.study_id = ${studyId} AND p.trial_id < ${inserted.trial_id})
          WHERE trial_id = ${inserted.trial_id}`,
      );
      return this.read(db, inserted.trial_id);
    });
  }

  finish(trialId: number, request: TrialFinishRequest): Promise<TrialRecord> {
    return this.transaction((db) => {
      const trial = db.get<trialFinish.TrialRow | undefined>(trialFinish.trialStatement(trialId, sql``));
      if (!trial) throw new OwnerNotFoundError('trial', trialId);
      const last = db.get<trialFinish.LastIntermediateValueRow | undefined>(
        trialFinish.lastIntermediateValueStatement(trialId),
      );
      const plan = trialFinish.plan(request, trial, last);
      const completed = this.zone.storedFromDate(this.now());
      const writes = trialFinish.writeStatements(trialId, plan, completed, onConflictUpdate);
      for (const statement of writes) db.run(statement);
      return this.read(db, trialId);
    });
  }

  private read(db: OptunaSql, trialId: number): TrialRecord {
    const [values] = db.values<TrialValues>(trialByIdStatement(trialId));
    if (!values) throw new Error(`Trial ${trialId} vanished inside its own transaction`);
    return trialRecordFromValues(values, this.zone);
  }
}
