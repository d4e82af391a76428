// Adding and removing artifact metadata rows on a server database, each in one short write
// transaction that first locks the owner's row (as Optuna's attribute writes select it), so a
// concurrent finish or delete cannot slip in between check and write.
import { sql } from 'drizzle-orm';
import { isFinishedTrialState, trialStateFromStored } from '../../optuna/enums.js';
import type {
  ArtifactOwner,
  DeleteArtifactAttributeOptions,
  InsertArtifactAttributeOptions,
  NewArtifactAttribute,
} from '../artifact-attribute-writes.js';
import { OwnerNotFoundError, TrialClosedError, ValueTooLargeError } from '../database-errors.js';
import type { ArtifactAttributeWrites, ArtifactWriteNotice } from '../optuna-database.js';
import { selectRowsByArtifactIds, type ArtifactAttributeRow } from '../queries/artifact-attribute-queries.js';
import { keyColumn } from '../sql-fragments.js';
import { encodeArtifactWriteNotice } from './artifact-write-notices.js';
import type { ServerWriteTransaction } from './server-reads.js';
import type { ServerSql } from './server-sql.js';

export class ServerArtifactAttributeWrites implements ArtifactAttributeWrites {
  constructor(
    private readonly transaction: ServerWriteTransaction,
    /** The dialect's TEXT limit (null: none): larger values are refused before anything is written. */
    private readonly maxTextBytes: number | null,
  ) {}

  async insert(
    owner: ArtifactOwner,
    artifactId: string,
    valueJson: string,
    options: InsertArtifactAttributeOptions,
  ): Promise<ArtifactAttributeRow> {
    const [row] = await this.insertAll(owner, [{ artifactId, valueJson }], options);
    return row!;
  }

  async insertAll(
    owner: ArtifactOwner,
    artifacts: readonly NewArtifactAttribute[],
    options: InsertArtifactAttributeOptions,
  ): Promise<ArtifactAttributeRow[]> {
    // Inside the async function: a refusal rejects the promise rather than throwing at the call.
    for (const { valueJson } of artifacts) this.checkSize(valueJson);
    return await this.transaction(async (db) => {
      const checked = await checkOwner(db, owner, options);
      const rows: ArtifactAttributeRow[] = [];
      for (const { artifactId, valueJson } of artifacts) {
        const key = `artifacts:${artifactId}`;
        const rowId =
          checked.source === 'study'
            ? await db.insert(
                sql`INSERT INTO study_system_attributes (study_id, ${keyColumn}, value_json)
                  VALUES (${checked.studyId}, ${key}, ${valueJson})`,
                'study_system_attribute_id',
              )
            : await db.insert(
                sql`INSERT INTO trial_system_attributes (trial_id, ${keyColumn}, value_json)
                  VALUES (${checked.trialId}, ${key}, ${valueJson})`,
                'trial_system_attribute_id',
              );
        rows.push({ ...checked, rowId, key, valueJson });
      }
      await notifyInstances(db, 'created', rows);
      return rows;
    });
  }

  delete(artifactId: string, options: DeleteArtifactAttributeOptions = {}): Promise<ArtifactAttributeRow[]> {
    return this.transaction(async (db) => {
      const rows = await selectRowsByArtifactIds(db, [artifactId]);
      if (rows.length === 0) return [];
      options.guard?.(rows);
      for (const row of rows) {
        if (row.source === 'study') {
          await db.run(sql`DELETE FROM study_system_attributes WHERE study_system_attribute_id = ${row.rowId}`);
        } else {
          await db.run(sql`DELETE FROM trial_system_attributes WHERE trial_system_attribute_id = ${row.rowId}`);
        }
      }
      await notifyInstances(db, 'deleted', rows);
      return rows;
    });
  }

  private checkSize(valueJson: string): void {
    if (this.maxTextBytes === null) return;
    const bytes = Buffer.byteLength(valueJson, 'utf8');
    if (bytes > this.maxTextBytes) throw new ValueTooLargeError('The artifact metadata', bytes, this.maxTextBytes);
  }
}

/**
 * Tells every instance on the database (and this one) which rows the transaction wrote, when it
 * commits; nothing where the dialect has no channel.
 */
async function notifyInstances(
  db: ServerSql,
  kind: ArtifactWriteNotice['kind'],
  rows: readonly ArtifactAttributeRow[],
) {
  const channel = db.dialect.artifactWrites;
  if (channel === null) return;
  for (const source of ['study', 'trial'] as const) {
    const rowIds = rows.filter((row) => row.source === source).map((row) => row.rowId);
    if (rowIds.length > 0) await db.values(channel.notify(encodeArtifactWriteNotice({ kind, source, rowIds })));
  }
}

/** What a new row of the owner records besides its id, key and value. */
type CheckedOwner = Pick<ArtifactAttributeRow, 'source' | 'studyId' | 'trialId' | 'trialState'>;

/** The owner as it is inside the transaction, its row locked: it exists, and a trial still takes artifacts. */
async function checkOwner(
  db: ServerSql,
  owner: ArtifactOwner,
  options: InsertArtifactAttributeOptions,
): Promise<CheckedOwner> {
  if (owner.kind === 'study') {
    if (!(await db.get(sql`SELECT study_id FROM studies WHERE study_id = ${owner.studyId} FOR UPDATE`))) {
      throw new OwnerNotFoundError('study', owner.studyId);
    }
    return { source: 'study', studyId: owner.studyId, trialId: null, trialState: null };
  }
  const trial = await db.get<{ study_id: number; number: number; state: string }>(
    sql`SELECT study_id, number, state FROM trials WHERE trial_id = ${owner.trialId} FOR UPDATE`,
  );
  if (!trial) throw new OwnerNotFoundError('trial', owner.trialId);
  const trialState = trialStateFromStored(trial.state);
  if (isFinishedTrialState(trialState) && !options.allowFinishedTrial) {
    throw new TrialClosedError(trial.number, trialState);
  }
  return { source: 'trial', studyId: trial.study_id, trialId: owner.trialId, trialState };
}
