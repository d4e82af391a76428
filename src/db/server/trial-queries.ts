// Reads of Optuna trials on a server database: by id, by (study, number), and pages of many
// studies at once, one statement each, as the SQLite module (../trial-queries.ts).
import { sql, type SQL } from 'drizzle-orm';
import type { DatetimeZone } from '../../optuna/datetimes.js';
import { groupBy } from '../../group-by.js';
import type { TrialQueries } from '../optuna-database.js';
import {
  compareTrialPositions,
  isAscending,
  trialColumns,
  trialRecordFromValues,
  type TrialPageQuery,
  type TrialRecord,
  type TrialValues,
} from '../trial-queries.js';
import type { ServerReads } from './server-reads.js';
import type { ServerSql } from './server-sql.js';

/** The trial with this id, read inside a transaction or a read; undefined when there is none. */
export async function selectServerTrial(
  db: ServerSql,
  trialId: number,
  zone: DatetimeZone,
): Promise<TrialRecord | undefined> {
  const [values] = await db.values<TrialValues>(sql`SELECT ${trialColumns} FROM trials WHERE trial_id = ${trialId}`);
  return values && trialRecordFromValues(values, zone);
}

export class ServerTrialQueries implements TrialQueries {
  constructor(
    private readonly read: ServerReads,
    /** The zone of the naive DATETIME columns. */
    private readonly zone: DatetimeZone,
  ) {}

  private readonly fromValues = (values: TrialValues): TrialRecord => trialRecordFromValues(values, this.zone);

  byIds(trialIds: readonly number[]): Promise<TrialRecord[]> {
    return this.read(async (db) =>
      (
        await db.values<TrialValues>(
          sql`SELECT ${trialColumns} FROM trials WHERE ${db.dialect.inList(sql`trial_id`, trialIds)}`,
        )
      ).map(this.fromValues),
    );
  }

  byStudyAndNumber(keys: readonly (readonly [studyId: number, number: number])[]): Promise<TrialRecord[]> {
    return this.read(async (db) =>
      (
        await db.values<TrialValues>(
          sql`SELECT ${trialColumns} FROM trials WHERE ${db.dialect.inPairs(sql`study_id`, sql`number`, keys)}
            ORDER BY trial_id`,
        )
      ).map(this.fromValues),
    );
  }

  pagesByStudy(studyIds: readonly number[], query: TrialPageQuery): Promise<Map<number, TrialRecord[]>> {
    const direction = query.fromEnd ? sql`DESC` : sql`ASC`;
    return this.read(async (db) => {
      const conditions: SQL[] = [db.dialect.inList(sql`study_id`, studyIds)];
      if (query.states !== null) conditions.push(db.dialect.inList(sql`state`, query.states));
      if (query.after) conditions.push(sql`(number, trial_id) > (${query.after.number}, ${query.after.trialId})`);
      if (query.before) conditions.push(sql`(number, trial_id) < (${query.before.number}, ${query.before.trialId})`);
      const where = sql.join(conditions, sql` AND `);
      // One study (the common case) can stop after `limit` rows; several need a window per study.
      const statement =
        studyIds.length === 1
          ? sql`SELECT ${trialColumns} FROM trials WHERE ${where} ORDER BY number ${direction}, trial_id ${direction} LIMIT ${query.limit}`
          : sql`SELECT ${trialColumns} FROM (
              SELECT ${trialColumns}, ROW_NUMBER() OVER (PARTITION BY study_id ORDER BY number ${direction}, trial_id ${direction})
                AS row_position
              FROM trials WHERE ${where}
            ) ranked WHERE row_position <= ${query.limit}`;
      const trials = (await db.values<TrialValues>(statement)).map(this.fromValues);
      // Ascending whatever the direction of the query (already so for the common forward page).
      if (!isAscending(trials)) trials.sort(compareTrialPositions);
      return groupBy(trials, (trial) => trial.studyId);
    });
  }
}
