// The pieces of SQL the dialects write differently, under the one set of read modules in
// src/db/queries: each dialect implements them once (sqlite-fragments.ts, postgresql/, mysql/).
import { sql, type SQL } from 'drizzle-orm';

/** The `key` column of the attribute tables: a reserved word on MySQL, quoted by each dialect's compiler. */
export const keyColumn = sql.identifier('key');

export interface SqlFragments {
  /**
   * `expression IN (values…)` for a list of any length with ONE statement text per list type
   * (SQLite: a JSON parameter; PostgreSQL: `= ANY($1)` with an array; MySQL: an expanded list).
   * The values are all numbers or all strings; strings also match enum columns.
   */
  inList(expression: SQL, values: readonly (number | string)[]): SQL;
  /** `(first, second) IN (pairs…)` for a list of integer pairs of any length. */
  inPairs(first: SQL, second: SQL, pairs: readonly (readonly [number, number])[]): SQL;
  /**
   * `text` contains `part` literally (no wildcards), comparing ASCII letters case-insensitively as
   * SQLite's LIKE does (or by the column's own collation where that is what Optuna users get).
   */
  containsText(text: SQL, part: string): SQL;
  /** `text` starts with the literal `prefix` (a constant of ours: no wildcard characters or quotes), exactly as stored. */
  startsWith(text: SQL, prefix: string): SQL;
  /** The part of `text` before the first `delimiter` (one character; all of `text` when there is none). */
  textBefore(text: SQL, delimiter: string): SQL;
  /** The part of `text` after the first `delimiter` (one character; all of `text` when there is none). */
  textAfter(text: SQL, delimiter: string): SQL;
  /** The integer `text` starts with (SQLite's lenient CAST): its leading digits, 0 when there are none. Never fails. */
  leadingInteger(text: SQL): SQL;
  /**
   * An aggregate: the `value`s of the group joined by `,` in `orderBy` order, as text (NULL for
   * no rows). For short enum labels (study directions).
   */
  joinedInOrder(value: SQL, orderBy: SQL): SQL;
  /**
   * The largest id an id column holds. A bound above it ("no bound": Number.MAX_SAFE_INTEGER) is
   * clamped to it: the server dialects type a parameter after the 32-bit column compared with it.
   */
  readonly maxId: number;
}

/**
 * `insert` (an INSERT of one row) turned into an upsert in the syntax SQLite and PostgreSQL share:
 * on a clash with the unique key `conflictColumns`, the existing row takes the new values of
 * `updateColumns` (`ON CONFLICT … DO UPDATE`, as Optuna's dialects write it).
 */
export function onConflictUpdate(
  insert: SQL,
  conflictColumns: readonly string[],
  updateColumns: readonly string[],
): SQL {
  const conflict = sql.join(
    conflictColumns.map((column) => sql.identifier(column)),
    sql`, `,
  );
  const updates = sql.join(
    updateColumns.map((column) => sql`${sql.identifier(column)} = excluded.${sql.identifier(column)}`),
    sql`, `,
  );
  return sql`${insert} ON CONFLICT (${conflict}) DO UPDATE SET ${updates}`;
}
