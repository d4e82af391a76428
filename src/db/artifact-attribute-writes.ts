// Adding and removing artifact metadata rows on SQLite, each in one short write transaction that
// also checks the owner, so a concurrent finish or delete cannot slip in between check and
// write. The row VALUE is encoded by the caller (src/artifacts/artifact-meta.ts).
import { sql } from 'drizzle-orm';
import { isFinishedTrialState, trialStateFromStored } from '../optuna/enums.js';
import { OwnerNotFoundError, TrialClosedError } from './database-errors.js';
import type { ArtifactAttributeWrites } from './optuna-database.js';
import {
  rowFromValues,
  rowsByArtifactIdsStatement,
  type ArtifactAttributeRow,
  type RowValues,
} from './queries/artifact-attribute-queries.js';
import type { ImmediateTransaction, OptunaSql } from './sql-executor.js';
import { sqliteFragments } from './sqlite-fragments.js';

/** Exactly one owner: a study (study artifact) or a trial (trial artifact). */
export type ArtifactOwner = { kind: 'study'; studyId: number } | { kind: 'trial'; trialId: number };

export interface InsertArtifactAttributeOptions {
  /** Optuna refuses attribute writes on COMPLETE/PRUNED/FAIL trials; true accepts them anyway. */
  allowFinishedTrial: boolean;
}

/** One artifact's metadata row to insert: its id and the encoded value (src/artifacts/artifact-meta.ts). */
export interface NewArtifactAttribute {
  artifactId: string;
  valueJson: string;
}

export interface DeleteArtifactAttributeOptions {
  /**
   * Runs inside the transaction before anything is deleted; throw to refuse. Synchronous, and
   * may run more than once (a transaction that met a lock is tried again as a whole).
   */
  guard?: (rows: readonly ArtifactAttributeRow[]) => void;
}

export class SqliteArtifactAttributeWrites implements ArtifactAttributeWrites {
  constructor(private readonly transaction: ImmediateTransaction) {}

  async insert(
    owner: ArtifactOwner,
    artifactId: string,
    valueJson: string,
    options: InsertArtifactAttributeOptions,
  ): Promise<ArtifactAttributeRow> {
    const [row] = await this.insertAll(owner, [{ artifactId, valueJson }], options);
    return row!;
  }

  insertAll(
    owner: ArtifactOwner,
    artifacts: readonly NewArtifactAttribute[],
    options: InsertArtifactAttributeOptions,
  ): Promise<ArtifactAttributeRow[]> {
    return this.transaction((db) => {
      const checked = checkOwner(db, owner, options);
      return artifacts.map(({ artifactId, valueJson }): ArtifactAttributeRow => {
        const key = `artifacts:${artifactId}`;
        const row = db.get<{ row_id: number }>(
          checked.source === 'study'
            ? sql`INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (${checked.studyId}, ${key}, ${valueJson})
                RETURNING study_system_attribute_id AS row_id`
            : sql`INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (${checked.trialId}, ${key}, ${valueJson})
                RETURNING trial_system_attribute_id AS row_id`,
        );
        return { ...checked, rowId: row!.row_id, key, valueJson };
      });
    });
  }

  delete(artifactId: string, options: DeleteArtifactAttributeOptions = {}): Promise<ArtifactAttributeRow[]> {
    return this.transaction((db) => {
      const rows = db.values<RowValues>(rowsByArtifactIdsStatement(sqliteFragments, [artifactId])).map(rowFromValues);
      if (rows.length === 0) return [];
      options.guard?.(rows);
      for (const row of rows) {
        if (row.source === 'study') {
          db.run(sql`DELETE FROM study_system_attributes WHERE study_system_attribute_id = ${row.rowId}`);
        } else {
          db.run(sql`DELETE FROM trial_system_attributes WHERE trial_system_attribute_id = ${row.rowId}`);
        }
      }
      return rows;
    });
  }
}

/** What a new row of the owner records besides its id, key and value. */
type CheckedOwner = Pick<ArtifactAttributeRow, 'source' | 'studyId' | 'trialId' | 'trialState'>;

/** The owner as it is inside the transaction: it exists, and a trial still takes artifacts. */
function checkOwner(db: OptunaSql, owner: ArtifactOwner, options: InsertArtifactAttributeOptions): CheckedOwner {
  if (owner.kind === 'study') {
    if (!db.get(sql`SELECT 1 FROM studies WHERE study_id = ${owner.studyId}`))
      throw new OwnerNotFoundError('study', owner.studyId);
    return { source: 'study', studyId: owner.studyId, trialId: null, trialState: null };
  }
  const trial = db.get<{ study_id: number; number: number; state: string }>(
    sql`SELECT study_id, number, state FROM trials WHERE trial_id = ${owner.trialId}`,
  );
  if (!trial) throw new OwnerNotFoundError('trial', owner.trialId);
  const trialState = trialStateFromStored(trial.state);
  if (isFinishedTrialState(trialState) && !options.allowFinishedTrial)
    throw new TrialClosedError(trial.number, trialState);
  return { source: 'trial', studyId: trial.study_id, trialId: owner.trialId, trialState };
}
