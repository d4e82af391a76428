// What one look of the artifact watcher (src/events/artifact-watcher.ts) reads on a server
// database, in one snapshot: the artifact rows above the ids it has settled, the tables' largest
// ids, and a count and id sum of the live artifact rows in one id range per table (the rule is
// the SQLite module's, ../artifact-watch-queries.ts).
import { sql } from 'drizzle-orm';
import type { RowIdRange } from '../artifact-attribute-queries.js';
import type { ArtifactWatchAnswer, ArtifactWatchLook, RangeSummary } from '../optuna-database.js';
import { oldestFirst, rowIdBound, selectRows, selectServerAttributeRowIdBounds } from './artifact-attribute-queries.js';
import type { ServerSql } from './server-sql.js';
import { keyColumn } from './study-queries.js';

async function selectRangeSummary(
  db: ServerSql,
  source: 'study' | 'trial',
  range: RowIdRange | null,
): Promise<RangeSummary> {
  if (range === null) return { count: 0, idSum: 0 };
  const { dialect } = db;
  const key = sql`${keyColumn}`;
  const live = sql`(value_json IS NULL OR value_json NOT IN ('null', '"null"'))`;
  const first = rowIdBound(range.first);
  const last = rowIdBound(range.last);
  // count and sum come back as bigint / decimal: the driver settings make them numbers.
  const row =
    source === 'study'
      ? await db.get<SummaryRow>(
          sql`SELECT count(*) AS row_count, coalesce(sum(study_system_attribute_id), 0) AS id_sum
            FROM study_system_attributes
            WHERE study_system_attribute_id >= ${first} AND study_system_attribute_id <= ${last}
              AND (${dialect.startsWith(key, 'artifacts:')} OR ${dialect.startsWith(key, 'dashboard:artifacts:')})
              AND ${live}`,
        )
      : await db.get<SummaryRow>(
          sql`SELECT count(*) AS row_count, coalesce(sum(trial_system_attribute_id), 0) AS id_sum
            FROM trial_system_attributes
            WHERE trial_system_attribute_id >= ${first} AND trial_system_attribute_id <= ${last}
              AND ${dialect.startsWith(key, 'artifacts:')} AND ${live}`,
        );
  return { count: Number(row?.row_count ?? 0), idSum: Number(row?.id_sum ?? 0) };
}

interface SummaryRow {
  row_count: number | string;
  id_sum: number | string;
}

/** One look's reads (the caller runs them in one snapshot). */
export async function selectServerWatchAnswer(
  db: ServerSql,
  look: ArtifactWatchLook,
): Promise<NonNullable<ArtifactWatchAnswer['changes']>> {
  const rows = await selectRows(db, sql`TRUE`, oldestFirst, {
    study: { first: look.above.studyRowId + 1, last: Number.MAX_SAFE_INTEGER },
    trial: { first: look.above.trialRowId + 1, last: Number.MAX_SAFE_INTEGER },
  });
  return {
    rows,
    bounds: await selectServerAttributeRowIdBounds(db),
    summaries: {
      study: await selectRangeSummary(db, 'study', look.summarize.study),
      trial: await selectRangeSummary(db, 'trial', look.summarize.trial),
    },
  };
}
