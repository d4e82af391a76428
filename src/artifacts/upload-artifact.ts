// The upload pipeline: one uploaded file → spool (size limit, sha256) → artifact store
// (through Backoff, retries re-read the spool) → metadata row in Optuna's format in one
// transaction → live-feed event → spool removed. Bytes go in before the row, so a listed
// artifact always has its bytes; any failure leaves no row, no stored object, no spool file.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { AppServices } from '../app-services.js';
import type { ArtifactOwner } from '../db/artifact-attribute-writes.js';
import { badUserInput, notFound, storeUnavailable, trialFinished, isAppError } from '../errors.js';
import { isFinishedTrialState } from '../optuna/enums.js';
import { logger } from '../logger.js';
import { encodeArtifactMetaValueJson } from './artifact-meta.js';
import { artifactRecordFromRow, type ArtifactRecord } from './artifact-records.js';
import { sanitizeFilename } from './filename.js';
import { guessMimetypeAndEncoding, validateMediaToken } from './mimetype.js';
import { drain, spoolUpload } from './spool.js';

/** One file as the multipart parser hands it over. */
export interface IncomingFile {
  /** The name the client sent (may contain a path; sanitised here). */
  filename: string;
  /** The file's bytes; can be read once. */
  stream: Readable;
}

export interface UploadOverrides {
  filename?: string | null;
  mimetype?: string | null;
  encoding?: string | null;
}

/** Exactly one of studyId / trialId, as the contract requires. */
export function artifactOwnerFromArguments(args: { studyId?: number | null; trialId?: number | null }): ArtifactOwner {
  const hasStudy = args.studyId != null;
  const hasTrial = args.trialId != null;
  if (hasStudy === hasTrial) throw badUserInput('Give exactly one of studyId (a study artifact) or trialId (a trial artifact)');
  return hasStudy ? { kind: 'study', studyId: args.studyId! } : { kind: 'trial', trialId: args.trialId! };
}

/**
 * Refuses an upload before any byte is read when its owner does not exist or is a finished
 * trial. The insert checks again inside its transaction, since a trial may finish meanwhile.
 */
export async function assertOwnerAcceptsUploads(services: AppServices, owner: ArtifactOwner): Promise<void> {
  const { database, config } = services;
  if (owner.kind === 'study') {
    if ((await database.studies.byIds([owner.studyId])).length === 0) throw notFound(`No study with id ${owner.studyId}`);
    return;
  }
  const [trial] = await database.trials.byIds([owner.trialId]);
  if (trial === undefined) throw notFound(`No trial with id ${owner.trialId}`);
  if (isFinishedTrialState(trial.state) && !config.allowFinishedTrialUploads) {
    throw trialFinished(`Trial #${trial.number} is ${trial.state}; Optuna accepts artifacts only on RUNNING or WAITING trials`);
  }
}

interface ArtifactNaming {
  filename: string;
  mimetype: string;
  encoding: string | null;
}

/** Filename, mimetype and encoding as Optuna's upload_artifact decides them: explicit values win, else guessed from the name. */
export function nameArtifact(clientFilename: string, overrides: UploadOverrides): ArtifactNaming {
  // busboy hands over no filename at all (despite the type) for a part sent with filename="".
  const filename = sanitizeFilename(overrides.filename ?? clientFilename ?? '');
  const guessed = guessMimetypeAndEncoding(filename);
  return {
    filename,
    mimetype: overrides.mimetype != null ? validateMediaToken('mimetype', overrides.mimetype) : guessed.mimetype,
    encoding: overrides.encoding != null ? validateMediaToken('encoding', overrides.encoding) : guessed.encoding,
  };
}

/**
 * Runs the whole pipeline for one file. Everything that can be checked without the bytes is
 * checked first; on any failure the rest of the file is drained so the request can finish.
 */
export async function uploadArtifact(services: AppServices, owner: ArtifactOwner, file: IncomingFile, overrides: UploadOverrides = {}): Promise<ArtifactRecord> {
  let naming: ArtifactNaming;
  try {
    naming = nameArtifact(file.filename, overrides);
    await assertOwnerAcceptsUploads(services, owner);
  } catch (error) {
    drain(file.stream);
    throw error;
  }

  const { store, database, config, events } = services;
  const artifactId = randomUUID();
  // A store that keeps the bytes on this machine flushes them to disk when storing them.
  const flushWhileWriting = store.localFilePath?.(artifactId) !== undefined;
  const spooled = await spoolUpload(file.stream, store.spoolDirectory, config.uploads.maxFileSize, { flushWhileWriting });
  try {
    try {
      await store.write(artifactId, spooled.path);
    } catch (error) {
      logger.error('artifact store write failed', { artifactId, error: String(error) });
      throw storeUnavailable('The artifact store did not accept the file; nothing was stored', error);
    }
    const valueJson = encodeArtifactMetaValueJson({
      artifactId,
      ...naming,
      size: spooled.size,
      sha256: spooled.sha256,
      createdAt: new Date().toISOString(),
    });
    let row;
    try {
      row = await database.artifactAttributeWrites.insert(owner, artifactId, valueJson, { allowFinishedTrial: config.allowFinishedTrialUploads });
    } catch (error) {
      await removeStoredBytes(services, artifactId);
      throw isAppError(error) ? error : new Error('could not record the artifact metadata', { cause: error });
    }
    const record = artifactRecordFromRow(row, database.log);
    if (record === null) throw new Error(`the metadata just written for ${artifactId} does not decode`);
    // Published right after the commit (the log first announces what others committed before it).
    await events.publishCreated(artifactId, { studyId: record.studyId, trialId: record.trialId }, record);
    logger.info('artifact uploaded', { artifactId, studyId: record.studyId, trialId: record.trialId, size: spooled.size });
    return record;
  } finally {
    await rm(spooled.path, { force: true });
  }
}

/** Best-effort undo of a store write whose metadata could not be recorded. */
async function removeStoredBytes(services: AppServices, artifactId: string): Promise<void> {
  try {
    await services.store.remove(artifactId);
  } catch (error) {
    // The bytes stay as an orphan without metadata: invisible to Optuna and to listings;
    // `check --fix` removes them.
    logger.error('could not remove the bytes of a failed upload', { artifactId, error: String(error) });
  }
}
