// SQLite's SQL fragments (sql-fragments.ts): lists as ONE JSON parameter (dataloader batches can
// be larger than SQLite's limit on bound parameters, and one statement text serves every size),
// prefixes as index ranges.
import { sql, type SQL } from 'drizzle-orm';
import type { SqlFragments } from './sql-fragments.js';

/** A string constant of ours as an SQL literal: the planner sees the range bounds themselves. */
const literal = (text: string): SQL => sql.raw(`'${text.replaceAll("'", "''")}'`);

/** The first string after every string that starts with `prefix` (its last character + 1). */
const pastPrefix = (prefix: string): string =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export const sqliteFragments: SqlFragments = {
  inList: (expression, values) => sql`${expression} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  inPairs: (first, second, pairs) =>
    sql`(${first}, ${second}) IN
      (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify(pairs)}))`,
  containsText: (text, part) => sql`${text} LIKE ${`%${part.replace(/[\\%_]/g, (char) => `\\${char}`)}%`} ESCAPE '\\'`,
  startsWith: (text, prefix) => sql`(${text} >= ${literal(prefix)} AND ${text} < ${literal(pastPrefix(prefix))})`,
  // The delimiter appended: text without one is taken whole.
  textBefore: (text, delimiter) => sql`substr(${text}, 1, instr(${text} || ${delimiter}, ${delimiter}) - 1)`,
  textAfter: (text, delimiter) => sql`substr(${text}, instr(${text}, ${delimiter}) + 1)`,
  leadingInteger: (text) => sql`CAST(${text} AS INTEGER)`,
  joinedInOrder: (value, orderBy) => sql`group_concat(${value}, ',' ORDER BY ${orderBy})`,
  maxId: Number.MAX_SAFE_INTEGER,
};
