// What hangs off a trial: values, parameters, intermediate values, user attributes, decoded
// from Optuna's storage form. One statement per batch of trials.
import { sql } from 'drizzle-orm';
import { externalParamValue, parseDistributionJson, type ParamDistribution } from '../optuna/distributions.js';
import { floatFromStored } from '../optuna/float-values.js';
import type { OnceLogger } from './database-logger.js';
import { groupRows, inJsonArray, type OptunaSql } from './sql-executor.js';
import { decodeUserAttributeRows, type UserAttributes } from './user-attributes.js';

export interface TrialParam {
  name: string;
  /** The external value, as the objective function received it. */
  value: unknown;
  distribution: ParamDistribution;
}

export interface IntermediateValue {
  step: number;
  value: number;
}

export class TrialDetailQueries {
  constructor(
    private readonly db: OptunaSql,
    private readonly log: OnceLogger,
  ) {}

  /** Values in objective order; trials without values are absent. */
  values(trialIds: readonly number[]): Map<number, number[]> {
    const rows = this.db.all<{ trial_id: number; value: number | null; value_type: string }>(
      sql`SELECT trial_id, value, value_type FROM trial_values
        WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_id, objective`,
    );
    const groups = groupRows(rows, (row) => row.trial_id);
    return new Map([...groups].map(([trialId, group]) => [trialId, group.map((row) => floatFromStored(row.value, row.value_type))]));
  }

  /** Parameters in the order they were suggested (row order). */
  params(trialIds: readonly number[]): Map<number, TrialParam[]> {
    const rows = this.db.all<{ trial_id: number; param_name: string; param_value: number; distribution_json: string }>(
      sql`SELECT trial_id, param_name, param_value, distribution_json FROM trial_params
        WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_id, param_id`,
    );
    const groups = groupRows(rows, (row) => row.trial_id);
    return new Map(
      [...groups].map(([trialId, group]) => [
        trialId,
        group.map((row) => {
          const distribution = parseDistributionJson(row.distribution_json);
          return { name: row.param_name, value: externalParamValue(row.param_value, distribution), distribution };
        }),
      ]),
    );
  }

  /** Intermediate values by step. */
  intermediateValues(trialIds: readonly number[]): Map<number, IntermediateValue[]> {
    const rows = this.db.all<{ trial_id: number; step: number; value: number | null; value_type: string }>(
      sql`SELECT trial_id, step, intermediate_value AS value, intermediate_value_type AS value_type
        FROM trial_intermediate_values WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_id, step`,
    );
    const groups = groupRows(rows, (row) => row.trial_id);
    return new Map(
      [...groups].map(([trialId, group]) => [
        trialId,
        group.map((row) => ({ step: row.step, value: floatFromStored(row.value, row.value_type) })),
      ]),
    );
  }

  userAttributes(trialIds: readonly number[]): Map<number, UserAttributes> {
    const rows = this.db.all<{ owner_id: number; key: string; value_json: string | null }>(
      sql`SELECT trial_id AS owner_id, "key", value_json FROM trial_user_attributes
        WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_user_attribute_id`,
    );
    return decodeUserAttributeRows(rows, 'trial_user_attributes', this.log);
  }
}
