// What one look of the artifact watcher (src/events/artifact-watcher.ts) reads on SQLite, in one
// read transaction: the artifact rows above the ids it has settled, the tables' largest ids, and
// a count and id sum of the live artifact rows in one id range per table. SQLite's data_version
// comes first: while no other connection has committed, nothing else is read.
import { sql } from 'drizzle-orm';
import type { ArtifactWatchAnswer, ArtifactWatchLook, RangeSummary } from './optuna-database.js';
import {
  artifactRowsStatement,
  oldestFirst,
  rowFromValues,
  rowIdBoundsStatement,
  rowIdsFromBounds,
  type RowIdBoundsRow,
  type RowIdRange,
  type RowValues,
} from './queries/artifact-attribute-queries.js';
import type { OptunaSql } from './sql-executor.js';
import { sqliteFragments } from './sqlite-fragments.js';

interface SummaryRow {
  row_count: number;
  id_sum: number;
}

/**
 * The live artifact rows of one table in `range`: keys of artifacts (and, in the study table,
 * legacy dashboard keys), values that are not a tombstone (`null` / `"null"`). The watcher counts
 * its own rows by the same rule (artifact-watcher.ts `countsAsLive`).
 */
export function selectRangeSummary(db: OptunaSql, source: 'study' | 'trial', range: RowIdRange | null): RangeSummary {
  if (range === null) return { count: 0, idSum: 0 };
  const live = sql`("value_json" IS NULL OR "value_json" NOT IN ('null', '"null"'))`;
  const row =
    source === 'study'
      ? db.get<SummaryRow>(
          sql`SELECT count(*) AS row_count, ifnull(sum(study_system_attribute_id), 0) AS id_sum FROM study_system_attributes
            WHERE study_system_attribute_id >= ${range.first} AND study_system_attribute_id <= ${range.last}
              AND (("key" >= 'artifacts:' AND "key" < 'artifacts;')
                OR ("key" >= 'dashboard:artifacts:' AND "key" < 'dashboard:artifacts;')) AND ${live}`,
        )
      : db.get<SummaryRow>(
          sql`SELECT count(*) AS row_count, ifnull(sum(trial_system_attribute_id), 0) AS id_sum FROM trial_system_attributes
            WHERE trial_system_attribute_id >= ${range.first} AND trial_system_attribute_id <= ${range.last}
              AND "key" >= 'artifacts:' AND "key" < 'artifacts;' AND ${live}`,
        );
  return { count: row?.row_count ?? 0, idSum: row?.id_sum ?? 0 };
}

/** One look's reads (the caller runs it in one read transaction). */
export function selectWatchAnswer(db: OptunaSql, look: ArtifactWatchLook): NonNullable<ArtifactWatchAnswer['changes']> {
  const rows = db
    .values<RowValues>(
      artifactRowsStatement(sqliteFragments, sql`TRUE`, oldestFirst, {
        study: { first: look.above.studyRowId + 1, last: Number.MAX_SAFE_INTEGER },
        trial: { first: look.above.trialRowId + 1, last: Number.MAX_SAFE_INTEGER },
      }),
    )
    .map(rowFromValues);
  return {
    rows,
    bounds: rowIdsFromBounds(db.get<RowIdBoundsRow | undefined>(rowIdBoundsStatement)),
    summaries: {
      study: selectRangeSummary(db, 'study', look.summarize.study),
      trial: selectRangeSummary(db, 'trial', look.summarize.trial),
    },
  };
}
