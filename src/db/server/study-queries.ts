// Reads of Optuna studies on a server database (PostgreSQL, MySQL): the same answers and the same
// one-statement-per-batch shape as the SQLite module (../study-queries.ts).
import { sql, type SQL } from 'drizzle-orm';
import { studyDirectionFromStored, type TrialState } from '../../optuna/enums.js';
import type { OnceLogger } from '../database-logger.js';
import type { StudyQueries } from '../optuna-database.js';
import { bestTrialIdsStatement } from '../best-trial-ranking.js';
import type { StudyPageQuery, StudyRecord } from '../study-queries.js';
import { decodeUserAttributeRows, type UserAttributes } from '../user-attributes.js';
import type { ServerDialect } from './server-dialect.js';
import type { ServerReads } from './server-reads.js';
import type { ServerSql } from './server-sql.js';

/** `key` is a reserved word on MySQL: quoted by the dialect. */
export const keyColumn = sql.identifier('key');

type StudyValues = [studyId: number, name: string, directions: string | null];

const studySelect = (dialect: ServerDialect): SQL => sql`SELECT s.study_id, s.study_name,
  (SELECT ${dialect.joinedInOrder(sql`d.direction`, sql`d.objective`)} FROM study_directions d WHERE d.study_id = s.study_id)
    AS directions
  FROM studies s`;

function studyRecordFromValues([studyId, name, directions]: StudyValues): StudyRecord {
  return { studyId, name, directions: directions ? directions.split(',').map(studyDirectionFromStored) : [] };
}

function nameContainsCondition(dialect: ServerDialect, nameContains: string | null | undefined): SQL {
  return nameContains ? dialect.containsText(sql`s.study_name`, nameContains) : sql`TRUE`;
}

export class ServerStudyQueries implements StudyQueries {
  constructor(
    private readonly read: ServerReads,
    private readonly log: OnceLogger,
  ) {}

  byIds(studyIds: readonly number[]): Promise<StudyRecord[]> {
    return this.read(async (db) =>
      (
        await db.values<StudyValues>(
          sql`${studySelect(db.dialect)} WHERE ${db.dialect.inList(sql`s.study_id`, studyIds)}`,
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
          sql`${studySelect(db.dialect)} WHERE ${nameContainsCondition(db.dialect, query.nameContains)} AND ${after} AND ${before}
            ORDER BY s.study_id ${order} LIMIT ${query.limit}`,
        )
      ).map(studyRecordFromValues),
    );
  }

  count(nameContains?: string | null): Promise<number> {
    return this.read(
      async (db) =>
        (
          await db.get<{ n: number }>(
            sql`SELECT count(*) AS n FROM studies s WHERE ${nameContainsCondition(db.dialect, nameContains)}`,
          )
        )?.n ?? 0,
    );
  }

  userAttributes(studyIds: readonly number[]): Promise<Map<number, UserAttributes>> {
    return this.read(async (db) => {
      const rows = await db.rows<{ owner_id: number; key: string; value_json: string | null }>(
        sql`SELECT study_id AS owner_id, ${keyColumn}, value_json FROM study_user_attributes
          WHERE ${db.dialect.inList(sql`study_id`, studyIds)} ORDER BY study_user_attribute_id`,
      );
      return decodeUserAttributeRows(rows, 'study_user_attributes', this.log);
    });
  }

  trialCounts(studyIds: readonly number[], states: readonly TrialState[] | null): Promise<Map<number, number>> {
    return this.read(async (db) => {
      const stateCondition = states === null ? sql`TRUE` : db.dialect.inList(sql`state`, states);
      const rows = await db.values<[studyId: number, count: number]>(
        sql`SELECT study_id, count(*) AS n FROM trials
          WHERE ${db.dialect.inList(sql`study_id`, studyIds)} AND ${stateCondition} GROUP BY study_id`,
      );
      return new Map(rows);
    });
  }

  /** Ranked as upstream Optuna's `find_{max,min}_value_trial_id` does (see the contract). */
  bestTrialIds(studyIds: readonly number[]): Promise<Map<number, number>> {
    return this.read((db) => selectBestTrialIds(db, studyIds));
  }
}

async function selectBestTrialIds(db: ServerSql, studyIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await db.values<[studyId: number, trialId: number]>(
    bestTrialIdsStatement(db.dialect.inList(sql`t.study_id`, studyIds)),
  );
  return new Map(rows);
}
