// Reads of Optuna studies: by id, pages, counts, user attributes, best trials. Methods take a
// whole batch of studies and run one statement each (the dataloaders call them).
import { sql, type SQL } from 'drizzle-orm';
import { studyDirectionFromStored, type StudyDirection, type TrialState } from '../../optuna/enums.js';
import type { OnceLogger } from '../database-logger.js';
import type { StudyQueries } from '../optuna-database.js';
import type { SqlFragments } from '../sql-fragments.js';
import { bestTrialIdsStatement } from './best-trial-ranking.js';
import type { Reads } from './query-sql.js';
import { selectUserAttributes, type UserAttributes } from './user-attributes.js';

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

type StudyValues = [studyId: number, name: string, directions: string | null];

const studySelect = (fragments: SqlFragments): SQL => sql`SELECT s.study_id, s.study_name,
  (SELECT ${fragments.joinedInOrder(sql`d.direction`, sql`d.objective`)} FROM study_directions d WHERE d.study_id = s.study_id)
    AS directions
  FROM studies s`;

function studyRecordFromValues([studyId, name, directions]: StudyValues): StudyRecord {
  return { studyId, name, directions: directions ? directions.split(',').map(studyDirectionFromStored) : [] };
}

function nameContainsCondition(fragments: SqlFragments, nameContains: string | null | undefined): SQL {
  return nameContains ? fragments.containsText(sql`s.study_name`, nameContains) : sql`TRUE`;
}

export class SqlStudyQueries implements StudyQueries {
  constructor(
    private readonly read: Reads,
    private readonly log: OnceLogger,
  ) {}

  byIds(studyIds: readonly number[]): Promise<StudyRecord[]> {
    return this.read(async (db) =>
      (
        await db.values<StudyValues>(
          sql`${studySelect(db.fragments)} WHERE ${db.fragments.inList(sql`s.study_id`, studyIds)}`,
        )
      ).map(studyRecordFromValues),
    );
  }

  idByName(name: string): Promise<number | null> {
    return this.read(
      async (db) =>
        (await db.get<{ study_id: number }>(sql`SELECT study_id FROM studies WHERE study_name = ${name}`))?.study_id ??
        null,
    );
  }

  page(query: StudyPageQuery): Promise<StudyRecord[]> {
    const after = query.afterStudyId == null ? sql`TRUE` : sql`s.study_id > ${query.afterStudyId}`;
    const before = query.beforeStudyId == null ? sql`TRUE` : sql`s.study_id < ${query.beforeStudyId}`;
    const order = query.descending ? sql`DESC` : sql`ASC`;
    return this.read(async (db) =>
      (
        await db.values<StudyValues>(
          sql`${studySelect(db.fragments)} WHERE ${nameContainsCondition(db.fragments, query.nameContains)}
            AND ${after} AND ${before} ORDER BY s.study_id ${order} LIMIT ${query.limit}`,
        )
      ).map(studyRecordFromValues),
    );
  }

  count(nameContains?: string | null): Promise<number> {
    return this.read(
      async (db) =>
        (
          await db.get<{ n: number }>(
            sql`SELECT count(*) AS n FROM studies s WHERE ${nameContainsCondition(db.fragments, nameContains)}`,
          )
        )?.n ?? 0,
    );
  }

  userAttributes(studyIds: readonly number[]): Promise<Map<number, UserAttributes>> {
    return this.read((db) => selectUserAttributes(db, 'study', studyIds, this.log));
  }

  trialCounts(studyIds: readonly number[], states: readonly TrialState[] | null): Promise<Map<number, number>> {
    return this.read(async (db) => {
      const stateCondition = states === null ? sql`TRUE` : db.fragments.inList(sql`state`, states);
      const rows = await db.values<[studyId: number, count: number]>(
        sql`SELECT study_id, count(*) AS n FROM trials
          WHERE ${db.fragments.inList(sql`study_id`, studyIds)} AND ${stateCondition} GROUP BY study_id`,
      );
      return new Map(rows);
    });
  }

  /** Ranked as upstream Optuna's `find_{max,min}_value_trial_id` does (see the contract). */
  bestTrialIds(studyIds: readonly number[]): Promise<Map<number, number>> {
    return this.read(
      async (db) =>
        new Map(
          await db.values<[studyId: number, trialId: number]>(
            bestTrialIdsStatement(db.fragments.inList(sql`t.study_id`, studyIds)),
          ),
        ),
    );
  }
}
