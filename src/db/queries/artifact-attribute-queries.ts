// Raw artifact metadata rows, from wherever Optuna and optuna-dashboard put them: trial system
// attributes `artifacts:<id>`, study system attributes `artifacts:<id>` and legacy
// `dashboard:artifacts:<trial_id>:<id>` (a trial's artifact kept on its study). Decoding the
// values is the artifacts layer's job (src/artifacts); this module only finds the rows.
import { sql, type SQL } from 'drizzle-orm';
import { trialStateFromStored, type TrialState } from '../../optuna/enums.js';
import type { ArtifactAttributeQueries } from '../optuna-database.js';
import { keyColumn, type SqlFragments } from '../sql-fragments.js';
import type { QuerySql, Reads } from './query-sql.js';

/** The attribute table a row lives in. */
export type AttributeSource = 'study' | 'trial';

export interface ArtifactAttributeRow {
  source: AttributeSource;
  /** Primary key within its table; rows of one table are ordered by it (= insertion order). */
  rowId: number;
  studyId: number;
  /** The owning trial: the row's trial, or the trial a legacy key names; null for study artifacts. */
  trialId: number | null;
  /** State of that trial; null for study artifacts, or when a legacy key names no trial of the study. */
  trialState: TrialState | null;
  key: string;
  valueJson: string | null;
}

/** Largest row id of each attribute table: rows at or below it are "older". */
export interface AttributeRowIds {
  studyRowId: number;
  trialRowId: number;
}

export interface ArtifactRowFilter {
  studyId?: number | null;
  trialId?: number | null;
}

/** A selected row as an array (better-sqlite3 builds those much faster than objects). */
export type RowValues = [
  source: AttributeSource,
  rowId: number,
  studyId: number,
  trialId: number | null,
  trialState: string | null,
  key: string,
  valueJson: string | null,
];

/** An inclusive range of row ids of one attribute table. */
export interface RowIdRange {
  first: number;
  last: number;
}

/**
 * Which rows of each attribute table to read: a range, or none of that table (null). The
 * conditions go inside each branch of the union, so an index range is used whatever the
 * planner does with the union.
 */
export interface RowIdRanges {
  study: RowIdRange | null;
  trial: RowIdRange | null;
}

/** Every row of both tables. */
export const allRowIds: RowIdRanges = {
  study: { first: 0, last: Number.MAX_SAFE_INTEGER },
  trial: { first: 0, last: Number.MAX_SAFE_INTEGER },
};

const artifactPrefix = 'artifacts:';
const legacyPrefix = 'dashboard:artifacts:';

/** A row id bound as a parameter, within what the dialect's id columns hold (see SqlFragments.maxId). */
export const rowIdBound = (fragments: SqlFragments, id: number): number => Math.min(id, fragments.maxId);

/** `id` within `range` (nothing for null). */
export const inRowIdRange = (fragments: SqlFragments, id: SQL, range: RowIdRange | null): SQL =>
  range === null
    ? sql`FALSE`
    : sql`${id} >= ${rowIdBound(fragments, range.first)} AND ${id} <= ${rowIdBound(fragments, range.last)}`;

/**
 * The artifact rows of both attribute tables with ids in `ranges` (the conditions sit inside each
 * branch, so an index range is used); a legacy key continues `<trial_id>:<artifact id>`.
 */
function artifactRowsCte(fragments: SqlFragments, ranges: RowIdRanges): SQL {
  const key = (table: string) => sql`${sql.raw(table)}.${keyColumn}`;
  const trialIds = inRowIdRange(fragments, sql`a.trial_system_attribute_id`, ranges.trial);
  const studyIds = inRowIdRange(fragments, sql`s.study_system_attribute_id`, ranges.study);
  const legacyRest = sql`substr(${key('s')}, ${legacyPrefix.length + 1})`;
  return sql`WITH artifact_rows (source, row_id, study_id, trial_id, ${keyColumn}, value_json, artifact_id) AS (
  SELECT 'trial', a.trial_system_attribute_id, t.study_id, a.trial_id, ${key('a')}, a.value_json,
      substr(${key('a')}, ${artifactPrefix.length + 1})
    FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id
    WHERE ${fragments.startsWith(key('a'), artifactPrefix)} AND ${trialIds}
  UNION ALL
  SELECT 'study', s.study_system_attribute_id, s.study_id, NULL, ${key('s')}, s.value_json,
      substr(${key('s')}, ${artifactPrefix.length + 1})
    FROM study_system_attributes s
    WHERE ${fragments.startsWith(key('s'), artifactPrefix)} AND ${studyIds}
  UNION ALL
  SELECT 'study', s.study_system_attribute_id, s.study_id, ${fragments.leadingInteger(fragments.textBefore(legacyRest, ':'))},
      ${key('s')}, s.value_json, ${fragments.textAfter(legacyRest, ':')}
    FROM study_system_attributes s
    WHERE ${fragments.startsWith(key('s'), legacyPrefix)} AND ${studyIds}
)`;
}

/** Newest first: by row id, and at equal ids the trial row (see src/artifacts/artifact-cursor.ts). */
const newestFirst = sql`ORDER BY r.row_id DESC, r.source DESC`;
/** The reverse of newestFirst. */
export const oldestFirst = sql`ORDER BY r.row_id ASC, r.source ASC`;

/** `LIMIT n`, or nothing for -1 (all rows: the server dialects do not take SQLite's LIMIT -1). */
const limitClause = (limit: number): SQL => (limit < 0 ? sql`` : sql`LIMIT ${limit}`);

/**
 * The statement selecting the RowValues of the artifact rows in `ranges` that match `where`
 * (SQLite's snapshots and write transactions run it synchronously).
 */
export function artifactRowsStatement(
  fragments: SqlFragments,
  where: SQL,
  orderAndLimit: SQL,
  ranges: RowIdRanges = allRowIds,
): SQL {
  // The owning trial by its primary key alone, its study compared after: joined on both,
  // planners without fresh statistics walk the trials of the whole study per row.
  return sql`${artifactRowsCte(fragments, ranges)} SELECT r.source, r.row_id, r.study_id, r.trial_id,
      CASE WHEN ot.study_id = r.study_id THEN ot.state END AS trial_state, r.${keyColumn}, r.value_json
    FROM artifact_rows r LEFT JOIN trials ot ON ot.trial_id = r.trial_id
    WHERE ${where} ${orderAndLimit}`;
}

/** The statement selecting the rows whose key names one of these artifact ids (a trial's own row before a study's). */
export const rowsByArtifactIdsStatement = (fragments: SqlFragments, artifactIds: readonly string[]): SQL =>
  artifactRowsStatement(
    fragments,
    fragments.inList(sql`r.artifact_id`, artifactIds),
    sql`ORDER BY r.source DESC, r.row_id`,
  );

export function rowFromValues([
  source,
  rowId,
  studyId,
  trialId,
  trialState,
  key,
  valueJson,
]: RowValues): ArtifactAttributeRow {
  return {
    source,
    rowId,
    studyId,
    trialId,
    trialState: trialState === null ? null : trialStateFromStored(trialState),
    key,
    valueJson,
  };
}

export async function selectRows(
  db: QuerySql,
  where: SQL,
  orderAndLimit: SQL,
  ranges: RowIdRanges = allRowIds,
): Promise<ArtifactAttributeRow[]> {
  return (await db.values<RowValues>(artifactRowsStatement(db.fragments, where, orderAndLimit, ranges))).map(
    rowFromValues,
  );
}

/** Rows whose key names one of these artifact ids (a trial's own row before a study's). */
export async function selectRowsByArtifactIds(
  db: QuerySql,
  artifactIds: readonly string[],
): Promise<ArtifactAttributeRow[]> {
  return (await db.values<RowValues>(rowsByArtifactIdsStatement(db.fragments, artifactIds))).map(rowFromValues);
}

function filterCondition(filter: ArtifactRowFilter): SQL {
  const conditions: SQL[] = [sql`TRUE`];
  if (filter.studyId != null) conditions.push(sql`r.study_id = ${filter.studyId}`);
  if (filter.trialId != null) conditions.push(sql`r.trial_id = ${filter.trialId}`);
  return sql.join(conditions, sql` AND `);
}

/** The statement selecting the largest row id of each attribute table (study_row_id, trial_row_id). */
export const rowIdBoundsStatement = sql`SELECT
    (SELECT coalesce(max(study_system_attribute_id), 0) FROM study_system_attributes) AS study_row_id,
    (SELECT coalesce(max(trial_system_attribute_id), 0) FROM trial_system_attributes) AS trial_row_id`;

export interface RowIdBoundsRow {
  study_row_id: number;
  trial_row_id: number;
}

export const rowIdsFromBounds = (row: RowIdBoundsRow | undefined): AttributeRowIds => ({
  studyRowId: row?.study_row_id ?? 0,
  trialRowId: row?.trial_row_id ?? 0,
});

export class SqlArtifactAttributeQueries implements ArtifactAttributeQueries {
  constructor(private readonly read: Reads) {}

  forTrials(trialIds: readonly number[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRows(db, db.fragments.inList(sql`r.trial_id`, trialIds), newestFirst));
  }

  forStudies(studyIds: readonly number[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(db, sql`r.trial_id IS NULL AND ${db.fragments.inList(sql`r.study_id`, studyIds)}`, newestFirst),
    );
  }

  page(filter: ArtifactRowFilter, atOrBelow: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(
        db,
        sql`${filterCondition(filter)}
          AND ((r.source = 'study' AND r.row_id <= ${rowIdBound(db.fragments, atOrBelow.studyRowId)})
            OR (r.source = 'trial' AND r.row_id <= ${rowIdBound(db.fragments, atOrBelow.trialRowId)}))`,
        sql`${newestFirst} ${limitClause(limit)}`,
      ),
    );
  }

  newerThan(filter: ArtifactRowFilter, above: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(
        db,
        sql`${filterCondition(filter)}
          AND ((r.source = 'study' AND r.row_id > ${rowIdBound(db.fragments, above.studyRowId)})
            OR (r.source = 'trial' AND r.row_id > ${rowIdBound(db.fragments, above.trialRowId)}))`,
        sql`${oldestFirst} ${limitClause(limit)}`,
      ),
    );
  }

  byArtifactIds(artifactIds: readonly string[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRowsByArtifactIds(db, artifactIds));
  }

  inRowIdRanges(ranges: RowIdRanges): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRows(db, sql`TRUE`, oldestFirst, ranges));
  }

  rowIdBounds(): Promise<AttributeRowIds> {
    return this.read(async (db) => rowIdsFromBounds(await db.get<RowIdBoundsRow>(rowIdBoundsStatement)));
  }
}
