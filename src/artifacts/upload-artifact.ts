// The upload pipeline: uploaded files, received into spool files (./incoming-file.ts) →
// artifact store (through Backoff, retries re-read the spool) → metadata rows in Optuna's
// format in one transaction → live-feed events → spool files removed. Bytes go in before the
// rows, so a listed artifact always has its bytes; any failure leaves no row, no stored
// object, no spool file.
import { randomUUID } from 'node:crypto';
import type { ServerConfig } from '../config/config.js';
import type { OptunaDatabase } from '../db/optuna-database.js';
import type { ArtifactEventLog } from '../events/artifact-event-log.js';
import type { ArtifactStore } from '../stores/artifact-store.js';
import type { ArtifactAttributeRow } from '../db/queries/artifact-attribute-queries.js';
import type { ArtifactOwner } from '../db/artifact-attribute-writes.js';
import { describeError } from '../error-text.js';
import {
  appErrorOfDatabaseError,
  badUserInput,
  storeUnavailable,
  isAppError,
  studyNotFound,
  trialNotFound,
  trialClosedToArtifacts,
} from '../errors.js';
import { isFinishedTrialState } from '../optuna/enums.js';
import { logger } from '../logger.js';
import { encodeArtifactMetaValueJson } from './artifact-meta.js';
import { artifactRecordFromRow, type ArtifactRecord } from './artifact-records.js';
import { sanitizeFilename } from './filename.js';
import { guessMimetypeAndEncoding, validateMediaToken } from './mimetype.js';
import type { IncomingFile } from './incoming-file.js';
import type { SpooledFile } from './spool.js';

/** What an upload uses: the database, the store, the live feed and one setting. */
export interface ArtifactUploadServices {
  database: OptunaDatabase;
  store: ArtifactStore;
  events: ArtifactEventLog<ArtifactRecord>;
  config: Pick<ServerConfig, 'allowFinishedTrialUploads'>;
}

/** What the owner check reads. */
type OwnerCheckServices = Pick<ArtifactUploadServices, 'database' | 'config'>;

export interface UploadOverrides {
  filename?: string | null;
  mimetype?: string | null;
  encoding?: string | null;
}

/** The owner as the upload arguments give it: exactly one of the two is required. */
export interface OwnerArguments {
  studyId?: number | null;
  trialId?: number | null;
}

/** Exactly one of studyId / trialId, as the contract requires. */
export function artifactOwnerFromArguments(args: OwnerArguments): ArtifactOwner {
  const hasStudy = args.studyId != null;
  const hasTrial = args.trialId != null;
  if (hasStudy === hasTrial)
    throw badUserInput('Give exactly one of studyId (a study artifact) or trialId (a trial artifact)');
  return hasStudy ? { kind: 'study', studyId: args.studyId! } : { kind: 'trial', trialId: args.trialId! };
}

/**
 * Refuses an upload before its bytes are waited for when its owner does not exist or is a
 * finished trial. The insert checks again inside its transaction, since a trial may finish
 * meanwhile.
 */
export async function assertOwnerAcceptsUploads(services: OwnerCheckServices, owner: ArtifactOwner): Promise<void> {
  const { database, config } = services;
  if (owner.kind === 'study') {
    if ((await database.studies.byIds([owner.studyId])).length === 0) throw studyNotFound(owner.studyId);
    return;
  }
  const [trial] = await database.trials.byIds([owner.trialId]);
  if (trial === undefined) throw trialNotFound(owner.trialId);
  if (isFinishedTrialState(trial.state) && !config.allowFinishedTrialUploads) {
    throw trialClosedToArtifacts(trial.number, trial.state);
  }
}

export interface ArtifactNaming {
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

/** One file of an upload, with the names and types the client gave for it. */
export interface FileToUpload {
  file: IncomingFile;
  overrides?: UploadOverrides;
}

/** A file whose bytes are stored, and the metadata row that is to list it. */
export interface StoredFile {
  artifactId: string;
  valueJson: string;
}

/** The metadata row of stored bytes, in Optuna's format plus what the server knows. */
export function storedFile(
  artifactId: string,
  naming: ArtifactNaming,
  bytes: { size: number; sha256?: string },
): StoredFile {
  const valueJson = encodeArtifactMetaValueJson({
    artifactId,
    ...naming,
    size: bytes.size,
    sha256: bytes.sha256,
    createdAt: new Date().toISOString(),
  });
  return { artifactId, valueJson };
}

/**
 * The end of every upload, once the bytes are stored: the metadata rows in one transaction,
 * then the live-feed events. When the rows cannot be written, the bytes are removed again.
 */
export async function recordStoredArtifacts(
  services: ArtifactUploadServices,
  owner: ArtifactOwner,
  stored: readonly StoredFile[],
): Promise<ArtifactRecord[]> {
  let rows: ArtifactAttributeRow[];
  try {
    rows = await insertRows(services, owner, stored);
  } catch (error) {
    await removeStoredBytes(services.store, stored);
    throw error;
  }
  const records = rows.map((row, index) => {
    const record = artifactRecordFromRow(row, services.database.log);
    if (record === null) throw new Error(`the metadata just written for ${stored[index]!.artifactId} does not decode`);
    return record;
  });
  for (const record of records) {
    // Published right after the commit (the log first announces what others committed before it).
    await services.events.publishCreated(
      record.artifactId,
      { studyId: record.studyId, trialId: record.trialId },
      record,
    );
    logger.info('artifact uploaded', {
      artifactId: record.artifactId,
      studyId: record.studyId,
      trialId: record.trialId,
      size: record.size,
    });
  }
  return records;
}

/**
 * Runs the whole pipeline for the files of one argument, ALL OR NOTHING: every file is
 * received and stored first, then all metadata rows are written in one transaction, then the
 * events are published. If anything fails, no row is written, the bytes already stored are
 * removed again and no event is published. Whatever happens, the spool files are removed.
 */
export async function uploadArtifacts(
  services: ArtifactUploadServices,
  ownerArguments: OwnerArguments,
  files: readonly FileToUpload[],
): Promise<ArtifactRecord[]> {
  // Claimed before anything can fail, so that whatever fails, the files are removed before
  // the answer goes out.
  const claimed: IncomingFile[] = [];
  try {
    for (const { file } of files) {
      file.claim();
      claimed.push(file);
    }
    const owner = artifactOwnerFromArguments(ownerArguments);
    // Checked before waiting for any byte; the insert checks again inside its transaction.
    await assertOwnerAcceptsUploads(services, owner);
    const namings: ArtifactNaming[] = [];
    for (const { file, overrides } of files) namings.push(nameArtifact(await file.clientFilename, overrides ?? {}));
    const spooled = await Promise.all(files.map(({ file }) => file.received));
    const stored = await storeAll(services.store, spooled, namings);
    return await recordStoredArtifacts(services, owner, stored);
  } finally {
    await Promise.all(claimed.map((file) => file.discard()));
  }
}

/** Writes the bytes of every file to the store, one at a time; on a failure, removes those already written. */
async function storeAll(
  store: ArtifactStore,
  spooled: readonly SpooledFile[],
  namings: readonly ArtifactNaming[],
): Promise<StoredFile[]> {
  const stored: StoredFile[] = [];
  for (const [index, file] of spooled.entries()) {
    const artifactId = randomUUID();
    try {
      await store.write(artifactId, file.path);
    } catch (error) {
      logger.error('artifact store write failed', { artifactId, error: describeError(error) });
      await removeStoredBytes(store, stored);
      throw storeUnavailable('The artifact store did not accept the file; nothing was stored', error);
    }
    stored.push(storedFile(artifactId, namings[index]!, file));
  }
  return stored;
}

/** Writes the metadata rows of every stored file in one transaction: all are committed, or none. */
async function insertRows(
  services: OwnerCheckServices,
  owner: ArtifactOwner,
  stored: readonly StoredFile[],
): Promise<ArtifactAttributeRow[]> {
  const { database, config } = services;
  try {
    return await database.artifactAttributeWrites.insertAll(owner, stored, {
      allowFinishedTrial: config.allowFinishedTrialUploads,
    });
  } catch (error) {
    // The database's own errors (an owner gone meanwhile, a lock held too long) reach the
    // client as what they mean; anything else is a fault, with this context.
    if (isAppError(error) || appErrorOfDatabaseError(error) !== undefined) throw error;
    throw new Error('could not record the artifact metadata', { cause: error });
  }
}

/** Best-effort undo of store writes whose metadata will not be recorded. */
async function removeStoredBytes(store: ArtifactStore, stored: readonly StoredFile[]): Promise<void> {
  for (const { artifactId } of stored) {
    try {
      await store.remove(artifactId);
    } catch (error) {
      // The bytes stay as an orphan without metadata: invisible to Optuna and to listings;
      // `check --fix` removes them.
      logger.error('could not remove the bytes of a failed upload', { artifactId, error: describeError(error) });
    }
  }
}
