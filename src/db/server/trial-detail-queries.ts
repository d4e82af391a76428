// What hangs off a trial, read from a server database: values, parameters, intermediate values,
// user attributes, one statement per batch of trials, as the SQLite module (../trial-detail-queries.ts).
import { sql } from 'drizzle-orm';
import { externalParamValue, parseDistributionJson } from '../../optuna/distributions.js';
import { floatFromStored } from '../../optuna/float-values.js';
import { groupBy } from '../../group-by.js';
import type { OnceLogger } from '../database-logger.js';
import type { TrialDetailQueries } from '../optuna-database.js';
import type { IntermediateValue, TrialParam } from '../trial-detail-queries.js';
import { decodeUserAttributeRows, type UserAttributes } from '../user-attributes.js';
import type { ServerReads } from './server-reads.js';
import { keyColumn } from './study-queries.js';

export class ServerTrialDetailQueries implements TrialDetailQueries {
  constructor(
    private readonly read: ServerReads,
    private readonly log: OnceLogger,
  ) {}

  async values(trialIds: readonly number[]): Promise<Map<number, number[]>> {
    const rows = await this.read((db) =>
      db.values<[trialId: number, value: number | null, valueType: string]>(
        sql`SELECT trial_id, value, value_type FROM trial_values
          WHERE ${db.dialect.inList(sql`trial_id`, trialIds)} ORDER BY trial_id, objective`,
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
          WHERE ${db.dialect.inList(sql`trial_id`, trialIds)} ORDER BY trial_id, param_id`,
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
        sql`SELECT trial_id, step, intermediate_value, intermediate_value_type
          FROM trial_intermediate_values WHERE ${db.dialect.inList(sql`trial_id`, trialIds)} ORDER BY trial_id, step`,
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
      db.rows<{ owner_id: number; key: string; value_json: string | null }>(
        sql`SELECT trial_id AS owner_id, ${keyColumn}, value_json FROM trial_user_attributes
          WHERE ${db.dialect.inList(sql`trial_id`, trialIds)} ORDER BY trial_user_attribute_id`,
      ),
    );
    return decodeUserAttributeRows(rows, 'trial_user_attributes', this.log);
  }
}
