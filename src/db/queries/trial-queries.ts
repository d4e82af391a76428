// Reads of Optuna trials: by id, by (study, number), and pages of many studies at once (one
// windowed statement per batch, whatever the number of studies or the page size).
import { sql, type SQL } from 'drizzle-orm';
import type { DatetimeZone } from '../../optuna/datetimes.js';
import { trialStateFromStored, type TrialState } from '../../optuna/enums.js';
import { groupBy } from '../../group-by.js';
import type { TrialQueries } from '../optuna-database.js';
import type { QuerySql, Reads } from './query-sql.js';

export interface TrialRecord {
  trialId: number;
  /** 0-based index within the study. */
  number: number;
  studyId: number;
  state: TrialState;
  /** ISO-8601 UTC; null for WAITING trials. */
  datetimeStart: string | null;
  /** ISO-8601 UTC; null until the trial is finished. */
  datetimeComplete: string | null;
}

/** Where a trial sits in its study's order: by number, then by id. */
export interface TrialPosition {
  number: number;
  trialId: number;
}

export interface TrialPageQuery {
  states: readonly TrialState[] | null;
  after: TrialPosition | null;
  before: TrialPosition | null;
  /** Take from the end (for `last`); the rows still come back in ascending order. */
  fromEnd: boolean;
  limit: number;
}

/** The columns a TrialRecord is read from, in the order of TrialValues. */
const trialColumns = sql`trial_id, number, study_id, state, datetime_start, datetime_complete`;

/** The columns of `trialColumns` as an array (better-sqlite3 makes these much faster than objects). */
export type TrialValues = [
  trial_id: number,
  number: number | null,
  study_id: number,
  state: string,
  datetime_start: string | null,
  datetime_complete: string | null,
];

export function trialRecordFromValues(
  [trialId, number, studyId, state, datetimeStart, datetimeComplete]: TrialValues,
  zone: DatetimeZone,
): TrialRecord {
  return {
    trialId,
    // Optuna fills `number` in the transaction that inserts the trial; NULL is never visible.
    number: number ?? -1,
    studyId,
    state: trialStateFromStored(state),
    datetimeStart: zone.isoFromStored(datetimeStart),
    datetimeComplete: zone.isoFromStored(datetimeComplete),
  };
}

/** The statement selecting the TrialValues of one trial (SQLite's write transactions run it synchronously). */
export const trialByIdStatement = (trialId: number): SQL =>
  sql`SELECT ${trialColumns} FROM trials WHERE trial_id = ${trialId}`;

/** The trial with this id, read inside a transaction or a read; undefined when there is none. */
export async function selectTrial(db: QuerySql, trialId: number, zone: DatetimeZone): Promise<TrialRecord | undefined> {
  const [values] = await db.values<TrialValues>(trialByIdStatement(trialId));
  return values && trialRecordFromValues(values, zone);
}

export class SqlTrialQueries implements TrialQueries {
  constructor(
    private readonly read: Reads,
    /** The zone of the naive DATETIME columns. */
    private readonly zone: DatetimeZone,
  ) {}

  private readonly fromValues = (values: TrialValues): TrialRecord => trialRecordFromValues(values, this.zone);

  byIds(trialIds: readonly number[]): Promise<TrialRecord[]> {
    return this.read(async (db) =>
      (
        await db.values<TrialValues>(
          sql`SELECT ${trialColumns} FROM trials WHERE ${db.fragments.inList(sql`trial_id`, trialIds)}`,
        )
      ).map(this.fromValues),
    );
  }

  byStudyAndNumber(keys: readonly (readonly [studyId: number, number: number])[]): Promise<TrialRecord[]> {
    return this.read(async (db) =>
      (
        await db.values<TrialValues>(
          sql`SELECT ${trialColumns} FROM trials WHERE ${db.fragments.inPairs(sql`study_id`, sql`number`, keys)}
            ORDER BY trial_id`,
        )
      ).map(this.fromValues),
    );
  }

  pagesByStudy(studyIds: readonly number[], query: TrialPageQuery): Promise<Map<number, TrialRecord[]>> {
    const direction = query.fromEnd ? sql`DESC` : sql`ASC`;
    return this.read(async (db) => {
      const conditions: SQL[] = [db.fragments.inList(sql`study_id`, studyIds)];
      if (query.states !== null) conditions.push(db.fragments.inList(sql`state`, query.states));
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

const compareTrialPositions = (a: TrialRecord, b: TrialRecord): number => a.number - b.number || a.trialId - b.trialId;

function isAscending(trials: readonly TrialRecord[]): boolean {
  for (let index = 1; index < trials.length; index += 1) {
    if (compareTrialPositions(trials[index - 1]!, trials[index]!) > 0) return false;
  }
  return true;
}
