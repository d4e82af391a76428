// Raw artifact metadata rows on a server database, found where Optuna and optuna-dashboard put
// them (see ../artifact-attribute-queries.ts for the rules and the SQLite statements this mirrors).
import { sql, type SQL } from 'drizzle-orm';
import {
  allRowIds,
  filterCondition,
  rowFromValues,
  type ArtifactAttributeRow,
  type ArtifactRowFilter,
  type AttributeRowIds,
  type RowIdRange,
  type RowIdRanges,
  type RowValues,
} from '../artifact-attribute-queries.js';
import type { ArtifactAttributeQueries } from '../optuna-database.js';
import type { ServerDialect } from './server-dialect.js';
import type { ServerReads } from './server-reads.js';
import type { ServerSql } from './server-sql.js';
import { keyColumn } from './study-queries.js';

const artifactPrefix = 'artifacts:';
const legacyPrefix = 'dashboard:artifacts:';

/**
 * A row id bound as a parameter: the id columns are 32-bit INTEGERs, and a larger bound ("no
 * bound", Number.MAX_SAFE_INTEGER) would not fit the parameter typed after them.
 */
export const rowIdBound = (id: number): number => Math.min(id, 2_147_483_647);

const rangeCondition = (column: SQL, range: RowIdRange | null): SQL =>
  range === null ? sql`FALSE` : sql`${column} >= ${rowIdBound(range.first)} AND ${column} <= ${rowIdBound(range.last)}`;

/**
 * The artifact rows of both attribute tables with ids in `ranges` (the conditions sit inside each
 * branch, so an index range is used); a legacy key continues `<trial_id>:<artifact id>`.
 */
function artifactRowsCte(dialect: ServerDialect, ranges: RowIdRanges): SQL {
  const key = (table: string) => sql`${sql.raw(table)}.${keyColumn}`;
  const trialIds = rangeCondition(sql`a.trial_system_attribute_id`, ranges.trial);
  const studyIds = rangeCondition(sql`s.study_system_attribute_id`, ranges.study);
  const legacyRest = sql`substr(${key('s')}, ${legacyPrefix.length + 1})`;
  return sql`WITH artifact_rows (source, row_id, study_id, trial_id, ${keyColumn}, value_json, artifact_id) AS (
  SELECT 'trial', a.trial_system_attribute_id, t.study_id, a.trial_id, ${key('a')}, a.value_json,
      substr(${key('a')}, ${artifactPrefix.length + 1})
    FROM trial_system_attributes a JOIN trials t ON t.trial_id = a.trial_id
    WHERE ${dialect.startsWith(key('a'), artifactPrefix)} AND ${trialIds}
  UNION ALL
  SELECT 'study', s.study_system_attribute_id, s.study_id, NULL, ${key('s')}, s.value_json,
      substr(${key('s')}, ${artifactPrefix.length + 1})
    FROM study_system_attributes s
    WHERE ${dialect.startsWith(key('s'), artifactPrefix)} AND ${studyIds}
  UNION ALL
  SELECT 'study', s.study_system_attribute_id, s.study_id, ${dialect.leadingInteger(dialect.textBefore(legacyRest, ':'))},
      ${key('s')}, s.value_json, ${dialect.textAfter(legacyRest, ':')}
    FROM study_system_attributes s
    WHERE ${dialect.startsWith(key('s'), legacyPrefix)} AND ${studyIds}
)`;
}

/** Newest first: by row id, and at equal ids the trial row (see src/artifacts/artifact-cursor.ts). */
const newestFirst = sql`ORDER BY r.row_id DESC, r.source DESC`;
/** The reverse of newestFirst. */
export const oldestFirst = sql`ORDER BY r.row_id ASC, r.source ASC`;

export async function selectRows(
  db: ServerSql,
  where: SQL,
  orderAndLimit: SQL,
  ranges: RowIdRanges = allRowIds,
): Promise<ArtifactAttributeRow[]> {
  const rows = await db.values<RowValues>(
    sql`${artifactRowsCte(db.dialect, ranges)} SELECT r.source, r.row_id, r.study_id, r.trial_id, ot.state AS trial_state,
        r.${keyColumn}, r.value_json
      FROM artifact_rows r LEFT JOIN trials ot ON ot.trial_id = r.trial_id AND ot.study_id = r.study_id
      WHERE ${where} ${orderAndLimit}`,
  );
  return rows.map(rowFromValues);
}

/** `LIMIT n`, or nothing for -1 (all rows: neither dialect takes SQLite's LIMIT -1). */
const limitClause = (limit: number): SQL => (limit < 0 ? sql`` : sql`LIMIT ${limit}`);

/** Rows matching `filter` with ids at or below `atOrBelow` in each table, newest first (`limit` -1: all). */
export function selectServerArtifactRowPage(
  db: ServerSql,
  filter: ArtifactRowFilter,
  atOrBelow: AttributeRowIds,
  limit: number,
): Promise<ArtifactAttributeRow[]> {
  return selectRows(
    db,
    sql`${filterCondition(filter)} AND ((r.source = 'study' AND r.row_id <= ${rowIdBound(atOrBelow.studyRowId)})
      OR (r.source = 'trial' AND r.row_id <= ${rowIdBound(atOrBelow.trialRowId)}))`,
    sql`${newestFirst} ${limitClause(limit)}`,
  );
}

/** Rows whose key names one of these artifact ids (a trial's own row before a study's). */
export function selectServerArtifactRowsByIds(
  db: ServerSql,
  artifactIds: readonly string[],
): Promise<ArtifactAttributeRow[]> {
  return selectRows(db, db.dialect.inList(sql`r.artifact_id`, artifactIds), sql`ORDER BY r.source DESC, r.row_id`);
}

/** The largest row id of each attribute table now (0 for an empty table). */
export async function selectServerAttributeRowIdBounds(db: ServerSql): Promise<AttributeRowIds> {
  const row = await db.get<{ study_row_id: number; trial_row_id: number }>(
    sql`SELECT (SELECT coalesce(max(study_system_attribute_id), 0) FROM study_system_attributes) AS study_row_id,
      (SELECT coalesce(max(trial_system_attribute_id), 0) FROM trial_system_attributes) AS trial_row_id`,
  );
  return { studyRowId: row?.study_row_id ?? 0, trialRowId: row?.trial_row_id ?? 0 };
}

export class ServerArtifactAttributeQueries implements ArtifactAttributeQueries {
  constructor(private readonly read: ServerReads) {}

  forTrials(trialIds: readonly number[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRows(db, db.dialect.inList(sql`r.trial_id`, trialIds), newestFirst));
  }

  forStudies(studyIds: readonly number[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(db, sql`r.trial_id IS NULL AND ${db.dialect.inList(sql`r.study_id`, studyIds)}`, newestFirst),
    );
  }

  page(filter: ArtifactRowFilter, atOrBelow: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectServerArtifactRowPage(db, filter, atOrBelow, limit));
  }

  newerThan(filter: ArtifactRowFilter, above: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]> {
    return this.read((db) =>
      selectRows(
        db,
        sql`${filterCondition(filter)} AND ((r.source = 'study' AND r.row_id > ${rowIdBound(above.studyRowId)})
          OR (r.source = 'trial' AND r.row_id > ${rowIdBound(above.trialRowId)}))`,
        sql`${oldestFirst} ${limitClause(limit)}`,
      ),
    );
  }

  byArtifactIds(artifactIds: readonly string[]): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectServerArtifactRowsByIds(db, artifactIds));
  }

  inRowIdRanges(ranges: RowIdRanges): Promise<ArtifactAttributeRow[]> {
    return this.read((db) => selectRows(db, sql`TRUE`, oldestFirst, ranges));
  }

  rowIdBounds(): Promise<AttributeRowIds> {
    return this.read(selectServerAttributeRowIdBounds);
  }
}
