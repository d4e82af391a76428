// Optuna's tell (`set_trial_state_values`) as every dialect runs it inside its write transaction
// (SQLite: trial-writes.ts, synchronously; servers: server/trial-writes.ts, the trial row
// locked): the reads that check the request, the plan, and the statements that store it.
import { sql, type SQL } from 'drizzle-orm';
import { planTrialFinish, type TrialFinishPlan, type TrialFinishRequest } from '../optuna/ask-tell-rules.js';
import { trialStateFromStored } from '../optuna/enums.js';
import { floatFromStored, trialValueToStored } from '../optuna/float-values.js';

export interface TrialRow {
  number: number;
  state: string;
  direction_count: number;
}

export interface LastIntermediateValueRow {
  value: number | null;
  value_type: string;
}

/**
 * The trial's number, state and number of objectives; `lockRow` is the server dialects'
 * `FOR UPDATE` (nothing on SQLite, whose IMMEDIATE transaction holds the write lock already).
 */
export const trialStatement = (trialId: number, lockRow: SQL): SQL =>
  sql`SELECT t.number, t.state,
      (SELECT count(*) FROM study_directions d WHERE d.study_id = t.study_id) AS direction_count
    FROM trials t WHERE t.trial_id = ${trialId} ${lockRow}`;

/** The intermediate value at the trial's largest step (Optuna's `last_step`). */
export const lastIntermediateValueStatement = (trialId: number): SQL =>
  sql`SELECT intermediate_value AS value, intermediate_value_type AS value_type FROM trial_intermediate_values
    WHERE trial_id = ${trialId} ORDER BY step DESC LIMIT 1`;

/** Checks the request against the trial as read (throws an AppError) and returns what to store. */
export function plan(
  request: TrialFinishRequest,
  trial: TrialRow,
  last: LastIntermediateValueRow | undefined,
): TrialFinishPlan {
  return planTrialFinish(request, {
    number: trial.number,
    state: trialStateFromStored(trial.state),
    directionCount: trial.direction_count,
    lastIntermediateValue: last ? floatFromStored(last.value, last.value_type) : null,
  });
}

/**
 * The statements that store `plan`: the state and completion time, then each value (an INSERT
 * that `upsert` makes replace an existing value, in the dialect's syntax). A WAITING trial told
 * directly never ran; it gets a start time so readers that expect one on every finished trial
 * (Optuna's FrozenTrial validation) accept it.
 */
export function writeStatements(
  trialId: number,
  plan: TrialFinishPlan,
  completed: string,
  upsert: (insert: SQL, conflictColumns: readonly string[], updateColumns: readonly string[]) => SQL,
): SQL[] {
  const update = sql`UPDATE trials SET state = ${plan.state}, datetime_complete = ${completed},
      datetime_start = coalesce(datetime_start, ${completed})
    WHERE trial_id = ${trialId}`;
  const values = (plan.values ?? []).map((value, objective) => {
    const stored = trialValueToStored(value);
    return upsert(
      sql`INSERT INTO trial_values (trial_id, objective, value, value_type)
        VALUES (${trialId}, ${objective}, ${stored.value}, ${stored.type})`,
      ['trial_id', 'objective'],
      ['value', 'value_type'],
    );
  });
  return [update, ...values];
}
