// Reads of Optuna studies on SQLite: by id, pages, counts, user attributes, best trials. Methods
// take a whole batch of studies and run one statement each (the dataloaders call them).
import { sql, type SQL } from 'drizzle-orm';
import { studyDirectionFromStored, type StudyDirection, type TrialState } from '../optuna/enums.js';
import type { OnceLogger } from './database-logger.js';
import { decodeUserAttributeRows, type UserAttributes } from './user-attributes.js';
import { inJsonArray, type OptunaSql, type ReadRunner } from './sql-executor.js';
import type { StudyQueries } from './optuna-database.js';
import { bestTrialIdsStatement } from './best-trial-ranking.js';

export interface StudyRecord {
  studyId: number;
  name: string;
  /** One per objective, in objective order. */
  directions: StudyDirection[];
}

export interface StudyPageQuery {
  /** Only studies whose name contains this (case-insensitive for ASCII, like SQLite's LIKE). */
  nameContains?: string | null;
  afterStudyId?: number | null;
  beforeStudyId?: number | null;
  /** Newest (largest id) first when true; used for backward pages. */
  descending: boolean;
  limit: number;
}

interface StudyRow {
  study_id: number;
  study_name: string;
  directions: string;
}

const studySelect = sql`SELECT s.study_id, s.study_name,
  (SELECT json_group_array(d.direction ORDER BY d.objective) FROM study_directions d WHERE d.study_id = s.study_id)
    AS directions
  FROM studies s`;

function studyRecordFromRow(row: StudyRow): StudyRecord {
  const directions = (JSON.parse(row.directions) as string[]).map(studyDirectionFromStored);
  return { studyId: row.study_id, name: row.study_name, directions };
}

function nameContainsCondition(nameContains: string | null | undefined): SQL {
  if (!nameContains) return sql`1`;
  const escaped = nameContains.replace(/[\\%_]/g, (char) => `\\${char}`);
  return sql`s.study_name LIKE ${`%${escaped}%`} ESCAPE '\\'`;
}

export class SqliteStudyQueries implements StudyQueries {
  constructor(
    private readonly read: ReadRunner,
    private readonly log: OnceLogger,
  ) {}

  byIds(studyIds: readonly number[]): Promise<StudyRecord[]> {
    return this.read((db) =>
      db.all<StudyRow>(sql`${studySelect} WHERE ${inJsonArray(sql`s.study_id`, studyIds)}`).map(studyRecordFromRow),
    );
  }

  idByName(name: string): Promise<number | null> {
    return this.read(
      (db) =>
        db.get<{ study_id: number }>(sql`SELECT study_id FROM studies WHERE study_name = ${name}`)?.study_id ?? null,
    );
  }

  page(query: StudyPageQuery): Promise<StudyRecord[]> {
    const after = query.afterStudyId == null ? sql`1` : sql`s.study_id > ${query.afterStudyId}`;
    const before = query.beforeStudyId == null ? sql`1` : sql`s.study_id < ${query.beforeStudyId}`;
    const order = query.descending ? sql`DESC` : sql`ASC`;
    return this.read((db) =>
      db
        .all<StudyRow>(
          sql`${studySelect} WHERE ${nameContainsCondition(query.nameContains)} AND ${after} AND ${before}
            ORDER BY s.study_id ${order} LIMIT ${query.limit}`,
        )
        .map(studyRecordFromRow),
    );
  }

  count(nameContains?: string | null): Promise<number> {
    return this.read(
      (db) =>
        db.get<{ n: number }>(sql`SELECT count(*) AS n FROM studies s WHERE ${nameContainsCondition(nameContains)}`)
          ?.n ?? 0,
    );
  }

  userAttributes(studyIds: readonly number[]): Promise<Map<number, UserAttributes>> {
    return this.read((db) => {
      const rows = db.all<{ owner_id: number; key: string; value_json: string | null }>(
        sql`SELECT study_id AS owner_id, "key", value_json FROM study_user_attributes
          WHERE ${inJsonArray(sql`study_id`, studyIds)} ORDER BY study_user_attribute_id`,
      );
      return decodeUserAttributeRows(rows, 'study_user_attributes', this.log);
    });
  }

  trialCounts(studyIds: readonly number[], states: readonly TrialState[] | null): Promise<Map<number, number>> {
    const stateCondition = states === null ? sql`1` : inJsonArray(sql`state`, states);
    return this.read((db) => {
      const rows = db.all<{ study_id: number; n: number }>(
        sql`SELECT study_id, count(*) AS n FROM trials
          WHERE ${inJsonArray(sql`study_id`, studyIds)} AND ${stateCondition} GROUP BY study_id`,
      );
      return new Map(rows.map((row) => [row.study_id, row.n]));
    });
  }

  /** Ranked as upstream Optuna's `find_{max,min}_value_trial_id` does (see the contract). */
  bestTrialIds(studyIds: readonly number[]): Promise<Map<number, number>> {
    return this.read((db) => this.selectBestTrialIds(db, studyIds));
  }

  private selectBestTrialIds(db: OptunaSql, studyIds: readonly number[]): Map<number, number> {
    const rows = db.values<[studyId: number, trialId: number]>(
      bestTrialIdsStatement(inJsonArray(sql`t.study_id`, studyIds)),
    );
    return new Map(rows);
  }
}
