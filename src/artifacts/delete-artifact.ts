// Deleting an artifact: its metadata rows first (Optuna's and legacy dashboard rows, deleted,
// never tombstoned — Optuna's get_all_artifact_meta crashes on tombstones), then its bytes
// through Backoff. A crash in between leaves bytes without metadata, which a retry of the
// same delete removes (see below) and `check --fix` finds.
import type { AppServices } from '../app-services.js';
import { badUserInput, notFound, storeUnavailable } from '../errors.js';
import { isValidArtifactId } from '../stores/artifact-store.js';
import { logger } from '../logger.js';
import { artifactRecordsFromRows } from './artifact-records.js';

export interface DeletedArtifact {
  artifactId: string;
  studyId: number;
  trialId: number | null;
}

export async function deleteArtifact(services: AppServices, artifactId: string): Promise<DeletedArtifact> {
  if (!isValidArtifactId(artifactId)) throw badUserInput('artifactId must be an Optuna artifact id (a UUID)');
  const { database, store, events } = services;
  const rows = await database.artifactAttributeWrites.delete(artifactId);
  const [record] = artifactRecordsFromRows(rows, database.log);
  if (rows.length === 0) {
    // No metadata: perhaps an earlier delete stopped between the row and the bytes. Finish it
    // (removing nothing is not an error), then report the artifact as unknown.
    await removeBytes(services, artifactId);
    throw notFound(`No artifact with id ${artifactId}`);
  }
  const first = rows[0]!;
  const deleted: DeletedArtifact = { artifactId, studyId: record?.studyId ?? first.studyId, trialId: record?.trialId ?? first.trialId };
  await events.publishDeleted(artifactId, { studyId: deleted.studyId, trialId: deleted.trialId }, record);
  await removeBytes(services, artifactId);
  logger.info('artifact deleted', { ...deleted });
  return deleted;
}

async function removeBytes(services: AppServices, artifactId: string): Promise<void> {
  try {
    await services.store.remove(artifactId);
  } catch (error) {
    logger.error('artifact store remove failed', { artifactId, error: String(error) });
    throw storeUnavailable(`The metadata of ${artifactId} is deleted, but the artifact store did not remove its bytes; retry the delete`, error);
  }
}
