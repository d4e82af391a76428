// User attributes of studies and trials: each row's value is `json.dumps(value)` (NaN and
// Infinity included), gathered into one object per owner.
import { sql } from 'drizzle-orm';
import { parsePythonJson } from '../../optuna/python-json.js';
import type { OnceLogger } from '../database-logger.js';
import { keyColumn } from '../sql-fragments.js';
import type { QuerySql } from './query-sql.js';

export type UserAttributes = Record<string, unknown>;

interface UserAttributeRow {
  owner_id: number;
  key: string | null;
  value_json: string | null;
}

/** The user attributes of these studies or trials, in one statement; unreadable values are skipped and reported once. */
export async function selectUserAttributes(
  db: QuerySql,
  owner: 'study' | 'trial',
  ownerIds: readonly number[],
  log: OnceLogger,
): Promise<Map<number, UserAttributes>> {
  // The names are built from `owner` (one of two literals), never from input.
  const ownerId = sql.raw(`${owner}_id`);
  const table = `${owner}_user_attributes`;
  const rows = await db.rows<UserAttributeRow>(
    sql`SELECT ${ownerId} AS owner_id, ${keyColumn}, value_json FROM ${sql.raw(table)}
      WHERE ${db.fragments.inList(ownerId, ownerIds)} ORDER BY ${sql.raw(`${owner}_user_attribute_id`)}`,
  );
  return decodeUserAttributeRows(rows, table, log);
}

function decodeUserAttributeRows(
  rows: readonly UserAttributeRow[],
  table: string,
  log: OnceLogger,
): Map<number, UserAttributes> {
  const byOwner = new Map<number, UserAttributes>();
  for (const row of rows) {
    let attributes = byOwner.get(row.owner_id);
    if (!attributes) {
      attributes = {};
      byOwner.set(row.owner_id, attributes);
    }
    if (row.key === null || row.value_json === null) continue;
    try {
      attributes[row.key] = parsePythonJson(row.value_json);
    } catch {
      log.warnOnce(
        `${table}:${row.owner_id}:${row.key}`,
        `Skipping unreadable ${table} row (owner ${row.owner_id}, key ${JSON.stringify(row.key)}): value_json is not JSON`,
      );
    }
  }
  return byOwner;
}
