// Optuna's ask and tell on a SQLite storage: `create_new_trial` (a RUNNING trial numbered after
// the study's earlier trials) and `set_trial_state_values`, each in one short write transaction.
import { sql } from 'drizzle-orm';
import { planTrialFinish, type TrialFinishRequest } from '../optuna/ask-tell-rules.js';
import type { DatetimeZone } from '../optuna/datetimes.js';
import { trialStateFromStored } from '../optuna/enums.js';
import { floatFromStored, trialValueToStored } from '../optuna/float-values.js';
import { OwnerNotFoundError } from './database-errors.js';
import type { TrialWrites } from './optuna-database.js';
import type { ImmediateTransaction, OptunaSql } from './sql-executor.js';
import {
  trialByIdStatement,
  trialRecordFromValues,
  type TrialRecord,
  type TrialValues,
} from './queries/trial-queries.js';

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
      const trial = db.get<{ number: number; state: string; direction_count: number }>(
        sql`SELECT t.number, t.state,
            (SELECT count(*) FROM study_directions d WHERE d.study_id = t.study_id) AS direction_count
          FROM trials t WHERE t.trial_id = ${trialId}`,
      );
      if (!trial) throw new OwnerNotFoundError('trial', trialId);
      const last = db.get<{ value: number | null; value_type: string }>(
        sql`SELECT intermediate_value AS value, intermediate_value_type AS value_type FROM trial_intermediate_values
          WHERE trial_id = ${trialId} ORDER BY step DESC LIMIT 1`,
      );
      const plan = planTrialFinish(request, {
        number: trial.number,
        state: trialStateFromStored(trial.state),
        directionCount: trial.direction_count,
        lastIntermediateValue: last ? floatFromStored(last.value, last.value_type) : null,
      });
      const completed = this.zone.storedFromDate(this.now());
      // A WAITING trial told directly never ran; it gets a start time so readers that expect
      // one on every finished trial (Optuna's FrozenTrial validation) accept it.
      db.run(
        sql`UPDATE trials SET state = ${plan.state}, datetime_complete = ${completed},
            datetime_start = coalesce(datetime_start, ${completed})
          WHERE trial_id = ${trialId}`,
      );
      plan.values?.forEach((value, objective) => {
        const stored = trialValueToStored(value);
        db.run(
          sql`INSERT INTO trial_values (trial_id, objective, value, value_type)
            VALUES (${trialId}, ${objective}, ${stored.value}, ${stored.type})
            ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type`,
        );
      });
      return this.read(db, trialId);
    });
  }

  private read(db: OptunaSql, trialId: number): TrialRecord {
    const [values] = db.values<TrialValues>(trialByIdStatement(trialId));
    if (!values) throw new Error(`Trial ${trialId} vanished inside its own transaction`);
    return trialRecordFromValues(values, this.zone);
  }
}
