// What hangs off a trial: values, parameters, intermediate values, user attributes, decoded from
// Optuna's storage form. One statement per batch of trials, on every dialect.
import { sql } from 'drizzle-orm';
import { externalParamValue, parseDistributionJson, type ParamDistribution } from '../../optuna/distributions.js';
import { floatFromStored } from '../../optuna/float-values.js';
import { groupBy } from '../../group-by.js';
import type { OnceLogger } from '../database-logger.js';
import type { TrialDetailQueries } from '../optuna-database.js';
import type { Reads } from './query-sql.js';
import { selectUserAttributes, type UserAttributes } from './user-attributes.js';

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

export class SqlTrialDetailQueries implements TrialDetailQueries {
  constructor(
    private readonly read: Reads,
    private readonly log: OnceLogger,
  ) {}

  async values(trialIds: readonly number[]): Promise<Map<number, number[]>> {
    // Rows as arrays, not objects: better-sqlite3 builds those much faster.
    const rows = await this.read((db) =>
      db.values<[trialId: number, value: number | null, valueType: string]>(
        sql`SELECT trial_id, value, value_type FROM trial_values
          WHERE ${db.fragments.inList(sql`trial_id`, trialIds)} ORDER BY trial_id, objective`,
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
          WHERE ${db.fragments.inList(sql`trial_id`, trialIds)} ORDER BY trial_id, param_id`,
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
        sql`SELECT trial_id, step, intermediate_value, intermediate_value_type FROM trial_intermediate_values
          WHERE ${db.fragments.inList(sql`trial_id`, trialIds)} ORDER BY trial_id, step`,
      ),
    );
    return groupBy(
      rows,
      ([trialId]) => trialId,
      ([, step, value, valueType]): IntermediateValue => ({ step, value: floatFromStored(value, valueType) }),
    );
  }

  userAttributes(trialIds: readonly number[]): Promise<Map<number, UserAttributes>> {
    return this.read((db) => selectUserAttributes(db, 'trial', trialIds, this.log));
  }
}
