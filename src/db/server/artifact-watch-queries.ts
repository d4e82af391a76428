// What one look of the artifact watcher (src/events/artifact-watcher.ts) reads on a server
// database: the tables' largest ids and a count and id sum of the live artifact rows in one id
// range per table (ONE statement), then the artifact rows above the ids the watcher has settled
// (the rule is the SQLite module's, ../artifact-watch-queries.ts). Autocommit, no snapshot: two
// round trips instead of five. The order keeps that safe: every row at or below the largest ids
// read first is visible to the row read after (READ COMMITTED); a row committed between the
// two statements can only make the sums differ from what the watcher knows, and the watcher
// then re-reads that range.
import { sql } from 'drizzle-orm';
import type { ArtifactWatchAnswer, ArtifactWatchLook } from '../optuna-database.js';
import { inRowIdRange, oldestFirst, selectRows } from '../queries/artifact-attribute-queries.js';
import { keyColumn } from '../sql-fragments.js';
import type { ServerSql } from './server-sql.js';

/** Numbers arrive as numbers or (MySQL DECIMAL sums) as text. */
type Numeric = number | string;

interface BoundsAndSummaries {
  study_row_id: Numeric;
  trial_row_id: Numeric;
  study_count: Numeric;
  study_id_sum: Numeric;
  trial_count: Numeric;
  trial_id_sum: Numeric;
}

/** One look's reads (the caller runs them on one pooled connection). */
export async function selectServerWatchAnswer(
  db: ServerSql,
  look: ArtifactWatchLook,
): Promise<NonNullable<ArtifactWatchAnswer['changes']>> {
  const { dialect } = db;
  const key = sql`${keyColumn}`;
  const live = sql`(value_json IS NULL OR value_json NOT IN ('null', '"null"'))`;
  const studyId = sql`study_system_attribute_id`;
  const trialId = sql`trial_system_attribute_id`;
  const numbers = await db.get<BoundsAndSummaries>(
    sql`SELECT b.study_row_id, b.trial_row_id, s.study_count, s.study_id_sum, t.trial_count, t.trial_id_sum FROM
      (SELECT (SELECT coalesce(max(${studyId}), 0) FROM study_system_attributes) AS study_row_id,
        (SELECT coalesce(max(${trialId}), 0) FROM trial_system_attributes) AS trial_row_id) b,
      (SELECT count(*) AS study_count, coalesce(sum(${studyId}), 0) AS study_id_sum FROM study_system_attributes
        WHERE ${inRowIdRange(dialect, studyId, look.summarize.study)}
          AND (${dialect.startsWith(key, 'artifacts:')} OR ${dialect.startsWith(key, 'dashboard:artifacts:')}) AND ${live}) s,
      (SELECT count(*) AS trial_count, coalesce(sum(${trialId}), 0) AS trial_id_sum FROM trial_system_attributes
        WHERE ${inRowIdRange(dialect, trialId, look.summarize.trial)} AND ${dialect.startsWith(key, 'artifacts:')} AND ${live}) t`,
  );
  const number = (value: Numeric | undefined): number => Number(value ?? 0);
  const rows = await selectRows(db, sql`TRUE`, oldestFirst, {
    study: { first: look.above.studyRowId + 1, last: Number.MAX_SAFE_INTEGER },
    trial: { first: look.above.trialRowId + 1, last: Number.MAX_SAFE_INTEGER },
  });
  return {
    rows,
    bounds: { studyRowId: number(numbers?.study_row_id), trialRowId: number(numbers?.trial_row_id) },
    summaries: {
      study: { count: number(numbers?.study_count), idSum: number(numbers?.study_id_sum) },
      trial: { count: number(numbers?.trial_count), idSum: number(numbers?.trial_id_sum) },
    },
  };
}
