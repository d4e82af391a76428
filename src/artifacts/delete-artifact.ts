// Deleting an artifact: its metadata rows first (Optuna's and legacy dashboard rows, deleted,
// never tombstoned — Optuna's get_all_artifact_meta crashes on tombstones), then its bytes
// through Backoff. A crash in between leaves bytes without metadata, which a retry of the
// same delete removes (see below) and `check --fix` finds.
import type { OptunaDatabase } from '../db/optuna-database.js';
import { badUserInput, notFound, storeUnavailable } from '../errors.js';
import type { ArtifactEventLog } from '../events/artifact-event-log.js';
import { isValidArtifactId, type ArtifactStore } from '../stores/artifact-store.js';
import { logger } from '../logger.js';
import { describeError } from '../error-text.js';
import { artifactRecordsFromRows, type ArtifactRecord } from './artifact-records.js';

export interface ArtifactDeletionServices {
  database: OptunaDatabase;
  /** Wrapped in Backoff by whoever opened it. */
  store: ArtifactStore;
  /** Where the deletion is announced to subscribers. */
  events: ArtifactEventLog<ArtifactRecord>;
}

export interface DeletedArtifact {
  artifactId: string;
  studyId: number;
  trialId: number | null;
}

export async function deleteArtifact(services: ArtifactDeletionServices, artifactId: string): Promise<DeletedArtifact> {
  if (!isValidArtifactId(artifactId)) throw badUserInput('artifactId must be an Optuna artifact id (a UUID)');
  const { database, store, events } = services;
  const rows = await database.artifactAttributeWrites.delete(artifactId);
  const [record] = artifactRecordsFromRows(rows, database.log);
  if (rows.length === 0) {
    // No metadata: perhaps an earlier delete stopped between the row and the bytes. Finish it
    // (removing nothing is not an error), then report the artifact as unknown.
    await removeBytes(store, artifactId);
    throw notFound(`No artifact with id ${artifactId}`);
  }
  const first = rows[0]!;
  const deleted: DeletedArtifact = {
    artifactId,
    studyId: record?.studyId ?? first.studyId,
    trialId: record?.trialId ?? first.trialId,
  };
  await events.publishDeleted(artifactId, { studyId: deleted.studyId, trialId: deleted.trialId }, record);
  await removeBytes(store, artifactId);
  logger.info('artifact deleted', { ...deleted });
  return deleted;
}

async function removeBytes(store: ArtifactStore, artifactId: string): Promise<void> {
  try {
    await store.remove(artifactId);
  } catch (error) {
    logger.error('artifact store remove failed', { artifactId, error: describeError(error) });
    throw storeUnavailable(
      `The metadata of ${artifactId} is deleted, but the artifact store did not remove its bytes; retry the delete`,
      error,
    );
  }
}
