// What hangs off a trial, read from SQLite: values, parameters, intermediate values, user
// attributes, decoded from Optuna's storage form. One statement per batch of trials.
import { sql } from 'drizzle-orm';
import { externalParamValue, parseDistributionJson, type ParamDistribution } from '../optuna/distributions.js';
import { floatFromStored } from '../optuna/float-values.js';
import type { OnceLogger } from './database-logger.js';
import type { TrialDetailQueries } from './optuna-database.js';
import { groupBy } from '../group-by.js';
import { inJsonArray, type ReadRunner } from './sql-executor.js';
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

export class SqliteTrialDetailQueries implements TrialDetailQueries {
  constructor(
    private readonly read: ReadRunner,
    private readonly log: OnceLogger,
  ) {}

  async values(trialIds: readonly number[]): Promise<Map<number, number[]>> {
    // Rows as arrays, not objects: better-sqlite3 builds those much faster.
    const rows = await this.read((db) =>
      db.values<[trialId: number, value: number | null, valueType: string]>(
        sql`SELECT trial_id, value, value_type FROM trial_values
          WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_id, objective`,
      ),
    );
    return groupBy(
      rows,
      ([trialId]) => trialId,
      ([, value, valueType]) => floatFromStored(value, valueType),
    );
  }

  async params(trialIds: readonly number[]): Promise<Map<number, TrialParam[]>> {
    const rows = await this.read((db) =>
      db.values<[trialId: number, name: string, internalValue: number, distributionJson: string]>(
        sql`SELECT trial_id, param_name, param_value, distribution_json FROM trial_params
          WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_id, param_id`,
      ),
    );
    return groupBy(
      rows,
      ([trialId]) => trialId,
      ([, name, internalValue, distributionJson]): TrialParam => {
        const distribution = parseDistributionJson(distributionJson);
        return { name, value: externalParamValue(internalValue, distribution), distribution };
      },
    );
  }

  async intermediateValues(trialIds: readonly number[]): Promise<Map<number, IntermediateValue[]>> {
    const rows = await this.read((db) =>
      db.values<[trialId: number, step: number, value: number | null, valueType: string]>(
        sql`SELECT trial_id, step, intermediate_value AS value, intermediate_value_type AS value_type
          FROM trial_intermediate_values WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_id, step`,
      ),
    );
    return groupBy(
      rows,
      ([trialId]) => trialId,
      ([, step, value, valueType]): IntermediateValue => ({ step, value: floatFromStored(value, valueType) }),
    );
  }

  async userAttributes(trialIds: readonly number[]): Promise<Map<number, UserAttributes>> {
    const rows = await this.read((db) =>
      db.all<{ owner_id: number; key: string; value_json: string | null }>(
        sql`SELECT trial_id AS owner_id, "key", value_json FROM trial_user_attributes
          WHERE ${inJsonArray(sql`trial_id`, trialIds)} ORDER BY trial_user_attribute_id`,
      ),
    );
    return decodeUserAttributeRows(rows, 'trial_user_attributes', this.log);
  }
}
