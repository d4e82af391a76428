// Raw artifact metadata rows, from wherever Optuna and optuna-dashboard put them: trial system
// attributes `artifacts:<id>`, study system attributes `artifacts:<id>` and legacy
// `dashboard:artifacts:<trial_id>:<id>` (a trial's artifact kept on its study). Decoding the
// values is the artifacts layer's job (src/artifacts); this module only finds the rows (SQLite).
import { sql, type SQL } from 'drizzle-orm';
import { trialStateFromStored, type TrialState } from '../optuna/enums.js';
import type { ArtifactAttributeQueries } from './optuna-database.js';
import { inJsonArray, type OptunaSql, type ReadRunner } from './sql-executor.js';

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

const rangeCondition = (column: SQL, range: RowIdRange | null): SQL =>
  range === null ? sql`FALSE` : sql`${column} >= ${range.first} AND ${column} <= ${range.last}`;

// 'artifacts:' is 10 characters, 'dashboard:artifacts:' 20; the legacy key continues '<trial_id>:<id>'.
const artifactRowsCte = (ranges: RowIdRanges) => {
  const trialIds = rangeCondition(sql`a.trial_system_attribute_id`, ranges.trial);
  const studyIds = rangeCondition(sql`s.study_system_attribute_id`, ranges.study);
  return sql`WITH artifact_rows (source, row_id, study_id, trial_id, "key", value_json, artifact_id) AS (
  SELECT 'trial', a.trial_system_attribute_id, t.study_id, a.trial_id, a."key", a.value_json, substr(a."key", 11)
    FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id
    WHERE a."key" >= 'artifacts:' AND a."key" < 'artifacts;' AND ${trialIds}
  UNION ALL
  SELECT 'study', s.study_system_attribute_id, s.study_id, NULL, s."key", s.value_json, substr(s."key", 11)
    FROM study_system_attributes s
    WHERE s."key" >= 'artifacts:' AND s."key" < 'artifacts;' AND ${studyIds}
  UNION ALL
  SELECT 'study', s.study_system_attribute_id, s.study_id,
      CAST(substr(s."key", 21, instr(substr(s."key", 21), ':') - 1) AS INTEGER),
      s."key", s.value_json, substr(s."key", 21 + instr(substr(s."key", 21), ':'))
    FROM study_system_attributes s
    WHERE s."key" >= 'dashboard:artifacts:' AND s."key" < 'dashboard:artifacts;' AND ${studyIds}
)`;
};

/** Newest first: by row id, and at equal ids the trial row (see src/artifacts/artifact-cursor.ts). */
const newestFirst = sql`ORDER BY r.row_id DESC, r.source DESC`;
/** The reverse of newestFirst. */
export const oldestFirst = sql`ORDER BY r.row_id ASC, r.source ASC`;

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

export function filterCondition(filter: ArtifactRowFilter): SQL {
  const conditions: SQL[] = [sql`TRUE`];
  if (filter.studyId != null) conditions.push(sql`r.study_id = ${filter.studyId}`);
  if (filter.trialId != null) conditions.push(sql`r.trial_id = ${filter.trialId}`);
  return sql.join(conditions, sql` AND `);
}

export function selectRows(
  db: OptunaSql,
  where: SQL,
  orderAndLimit: SQL,
  ranges: RowIdRanges = allRowIds,
): ArtifactAttributeRow[] {
  return db
    .values<RowValues>(
      sql`${artifactRowsCte(ranges)} SELECT r.source, r.row_id, r.study_id, r.trial_id, ot.state AS trial_state, r."key", r.value_json
        FROM artifact_rows r LEFT JOIN trials ot ON ot.trial_id = r.trial_id AND ot.study_id = r.study_id
        WHERE ${where} ${orderAndLimit}`,
    )
    .map(rowFromValues);
}

// The statements as synchronous functions too: write transactions and snapshots run them
// inside one synchronous SQLite transaction.

/** Rows matching `filter` with ids at or below `atOrBelow` in each table, newest first (`limit` -1: all). */
export function selectArtifactRowPage(
  db: OptunaSql,
  filter: ArtifactRowFilter,
  atOrBelow: AttributeRowIds,
  limit: number,
): ArtifactAttributeRow[] {
  return selectRows(
    db,
    sql`${filterCondition(filter)} AND ((r.source = 'study' AND r.row_id <= ${atOrBelow.studyRowId})
      OR (r.source = 'trial' AND r.row_id <= ${atOrBelow.trialRowId}))`,
    sql`${newestFirst} LIMIT ${limit}`,
  );
}

/** Rows whose key names one of these artifact ids (a trial's own row before a study's). */
export function selectArtifactRowsByIds(db: OptunaSql, artifactIds: readonly string[]): ArtifactAttributeRow[] {
  return selectRows(db, inJsonArray(sql`r.artifact_id`, artifactIds), sql`ORDER BY r.source DESC, r.row_id`);
}

/** The largest row id of each attribute table now (0 for an empty table). */
export function selectAttributeRowIdBounds(db: OptunaSql): AttributeRowIds {
  const row = db.get<{ study_row_id: number; trial_row_id: number }>(
    sql`SELECT (SELECT ifnull(max(study_system_attribute_id), 0) FROM study_system_attributes) AS study_row_id,
      (SELECT ifnull(max(trial_system_attribute_id), 0) FROM trial_system_attributes) AS trial_row_id`,
  );
  return { studyRowId: row?.study_row_id ?? 0, trialRowId: row?.trial_row_id ?? 0 };
}

export class SqliteArtifactAttributeQueries implements ArtifactAttributeQueries {
  constructor(private readonly read: ReadRunner) {}

  forTrials(trialIds: readonly number[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRows(db, inJsonArray(sql`r.trial_id`, trialIds), newestFirst));
  }

  forStudies(studyIds: readonly number[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(db, sql`r.trial_id IS NULL AND ${inJsonArray(sql`r.study_id`, studyIds)}`, newestFirst),
    );
  }

  page(filter: ArtifactRowFilter, atOrBelow: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectArtifactRowPage(db, filter, atOrBelow, limit));
  }

  newerThan(filter: ArtifactRowFilter, above: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(
        db,
        sql`${filterCondition(filter)} AND ((r.source = 'study' AND r.row_id > ${above.studyRowId})
          OR (r.source = 'trial' AND r.row_id > ${above.trialRowId}))`,
        sql`${oldestFirst} LIMIT ${limit}`,
      ),
    );
  }

  byArtifactIds(artifactIds: readonly string[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectArtifactRowsByIds(db, artifactIds));
  }

  inRowIdRanges(ranges: RowIdRanges): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRows(db, sql`TRUE`, oldestFirst, ranges));
  }

  rowIdBounds(): Promise<AttributeRowIds> {
    return this.read(selectAttributeRowIdBounds);
  }
}
