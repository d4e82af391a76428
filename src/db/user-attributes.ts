// User attributes of studies and trials: each row's value is `json.dumps(value)` (NaN and
// Infinity included), gathered into one object per owner.
import { parsePythonJson } from '../optuna/python-json.js';
import type { OnceLogger } from './database-logger.js';

export type UserAttributes = Record<string, unknown>;

export interface UserAttributeRow {
  owner_id: number;
  key: string | null;
  value_json: string | null;
}

export function decodeUserAttributeRows(
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
