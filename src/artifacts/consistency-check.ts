// The `check` command's domain (like git fsck): compares the artifact metadata rows with the
// objects in the artifact store, and removes what it is explicitly asked to remove.
import type { OptunaDatabase } from '../db/optuna-database.js';
import {
  isArtifactNotFound,
  isValidArtifactId,
  type ArtifactStore,
  type IncompleteStagedUpload,
} from '../stores/artifact-store.js';
import { isArtifactTombstone, parseArtifactAttributeKey } from './artifact-meta.js';
import { artifactRecordFromRow, type ArtifactRecord } from './artifact-records.js';
import { describeError } from '../error-text.js';

export interface ConsistencyCheckServices {
  database: OptunaDatabase;
  /** Wrapped in Backoff by whoever opened it, so removals ride out transient store failures. */
  store: ArtifactStore;
}

export type ConsistencyPhase = 'metadata' | 'store' | 'age' | 'fix';

export interface ConsistencyProgress {
  phase: ConsistencyPhase;
  /** Metadata rows read, stored objects listed, unnamed objects dated, or removals attempted so far. */
  done: number;
  /**
   * metadata: the rows; age: the stored objects no row names; fix: the removals to attempt;
   * store: the number of artifacts the metadata names — stores cannot count their objects
   * without listing them, and on a consistent store this is exact, so `done` may pass it only
   * when there are orphans.
   */
  total?: number;
}

export interface ConsistencyCheckOptions {
  onProgress?(progress: ConsistencyProgress): void;
  /**
   * How long a staged upload may stay unfinished before it is reported: the ticket lifetime
   * (--upload-ticket-ttl), after which nobody can complete it any more. Stored objects no row
   * names are orphans only once they are older than this too: see {@link ConsistencyReport}.
   * @default 3600 s, the ticket lifetime's default
   */
  stagedUploadLifetimeMs?: number;
}

const defaultStagedUploadLifetimeMs = 3600 * 1000;

/**
 * Unnamed objects dated at once: overlaps the round trips of S3 / GCS without flooding the
 * store (or the thread pool, for the filesystem).
 */
const concurrentStats = 8;

/** A staged upload begun longer ago than a ticket lives, and neither completed nor aborted. */
export interface StaleStagedUpload {
  artifactId: string;
  /** The backend's upload id (an S3 multipart upload); absent for a staged file. */
  uploadId?: string;
  /** ISO-8601. */
  startedAt: string;
}

/** A metadata row whose artifact has no bytes in the store. */
export interface MissingBytesArtifact {
  artifactId: string;
  studyId: number;
  /** Null for a study artifact. */
  trialId: number | null;
  filename: string;
  /** An old optuna-dashboard row (`dashboard:artifacts:<trial_id>:<id>` on the study). */
  legacy: boolean;
}

export interface ConsistencyReport {
  /** Artifact metadata rows checked: Optuna's and legacy dashboard rows, not tombstones or malformed rows. */
  metadataRows: number;
  /** Objects the store listed under artifact ids (other files are not the store's business). */
  storedObjects: number;
  /** optuna-dashboard's deletes; they name no artifact, so bytes under their ids are orphans. */
  tombstones: number;
  /**
   * Rows that name an artifact in their key but cannot be read (reported once on the
   * database logger). Their bytes are never called orphans: the row may yet be repaired.
   */
  malformedRows: number;
  /** Ordered by study, trial (study artifacts first), artifact id. */
  missingBytes: MissingBytesArtifact[];
  /** Stored artifact ids no metadata row names, written longer ago than a ticket lives; sorted. */
  orphanedObjects: string[];
  /**
   * Stored objects no metadata row names yet, written within a ticket lifetime: a staged upload
   * puts its bytes in place before completion writes the row (as this server's own uploads do,
   * briefly), so they may still be claimed. Not problems, and never removed.
   */
  recentUnnamedObjects: number;
  /** Unfinished staged uploads (multipart uploads, staged files) older than a ticket lives, by id. */
  staleStagedUploads: StaleStagedUpload[];
}

export interface ConsistencyFixOptions {
  removeOrphans: boolean;
  /** Deleting metadata loses filenames and owners for good, so it is never implied by removeOrphans. */
  removeMissingBytesMetadata: boolean;
  /** Aborts the stale staged uploads (with removeOrphans: both are bytes no metadata names). */
  removeStaleStagedUploads?: boolean;
  onProgress?(progress: ConsistencyProgress): void;
}

export interface ConsistencyFixResult {
  removedOrphanedObjects: string[];
  /** Artifact ids whose metadata rows were deleted (every row naming the id). */
  removedMetadata: string[];
  /** Artifact ids whose stale staged uploads were aborted. */
  removedStagedUploads: string[];
  /**
   * Problems the re-check just before removal found gone and so left alone: an orphan that a
   * metadata row names now (an upload finished), metadata whose bytes arrived or whose rows
   * were deleted meanwhile.
   */
  resolvedSinceCheck: string[];
  /** The removal that failed (after Backoff's retries); nothing after it was attempted. */
  failure: { artifactId: string; message: string } | null;
}

interface MetadataSnapshot {
  records: ArtifactRecord[];
  /** Every id some non-tombstone row names, readable or not. */
  namedIds: Set<string>;
  tombstones: number;
  malformedRows: number;
}

async function readMetadata(database: OptunaDatabase): Promise<MetadataSnapshot> {
  const rows = await database.artifactAttributes.page({}, await database.artifactAttributes.rowIdBounds(), -1);
  const snapshot: MetadataSnapshot = { records: [], namedIds: new Set(), tombstones: 0, malformedRows: 0 };
  for (const row of rows) {
    const record = artifactRecordFromRow(row, database.log);
    if (record) {
      snapshot.records.push(record);
      snapshot.namedIds.add(record.artifactId);
    } else if (isArtifactTombstone(row.key, row.valueJson)) {
      snapshot.tombstones += 1;
    } else {
      snapshot.malformedRows += 1;
      const keyId = parseArtifactAttributeKey(row.key)?.artifactId;
      if (keyId !== undefined) snapshot.namedIds.add(keyId);
    }
  }
  return snapshot;
}

/**
 * Lists metadata rows whose bytes are missing and stored objects no metadata row names.
 *
 * The store is listed once into a set (one stat per row would be one request per artifact on
 * S3). The metadata is read before AND after the listing: this server's uploads write bytes
 * before their row, Optuna's write the row first, and deletes drop the row, so an artifact
 * that came or went during a long listing would otherwise show up as a false problem. An
 * object is orphaned when no row names it after the listing and it was written longer ago than
 * a ticket lives (until then a staged upload may still complete it); a row lacks bytes when it
 * existed before the listing, still exists after it, and the listing did not show its id.
 */
export async function checkConsistency(
  services: ConsistencyCheckServices,
  options: ConsistencyCheckOptions = {},
): Promise<ConsistencyReport> {
  const { database, store } = services;
  const before = await readMetadata(database);
  const metadataRows = before.records.length + before.tombstones + before.malformedRows;
  options.onProgress?.({ phase: 'metadata', done: metadataRows, total: metadataRows });

  const stored = new Set<string>();
  for await (const artifactId of store.list()) {
    stored.add(artifactId);
    options.onProgress?.({ phase: 'store', done: stored.size, total: before.namedIds.size });
  }

  const after = await readMetadata(database);
  const missingBytes = before.records
    .filter((record) => !stored.has(record.artifactId) && after.namedIds.has(record.artifactId))
    .map(({ artifactId, studyId, trialId, filename, legacy }) => ({ artifactId, studyId, trialId, filename, legacy }))
    .sort(byOwnerThenId);
  const lifetimeMs = options.stagedUploadLifetimeMs ?? defaultStagedUploadLifetimeMs;
  const unnamed = await dateUnnamedObjects(
    store,
    [...stored].filter((artifactId) => !after.namedIds.has(artifactId)),
    lifetimeMs,
    options.onProgress,
  );
  const staleStagedUploads = await listStaleStagedUploads(store, lifetimeMs);
  return {
    metadataRows: before.records.length,
    storedObjects: stored.size,
    tombstones: before.tombstones,
    malformedRows: before.malformedRows,
    missingBytes,
    orphanedObjects: unnamed.orphaned,
    recentUnnamedObjects: unnamed.recent,
    staleStagedUploads,
  };
}

/**
 * Sorts the stored objects no row names into orphans (written longer ago than `lifetimeMs`)
 * and recent ones, by asking the store when each was written. Only these candidates are asked
 * about (normally few; dating every object would be one request per object on S3), a few at
 * a time. One that is gone by then (removed, or an upload aborted) is neither.
 */
async function dateUnnamedObjects(
  store: ArtifactStore,
  candidates: readonly string[],
  lifetimeMs: number,
  onProgress: ConsistencyCheckOptions['onProgress'],
): Promise<{ orphaned: string[]; recent: number }> {
  const orphaned: string[] = [];
  let recent = 0;
  let next = 0;
  let done = 0;
  let failed = false;
  const dateInTurn = async (): Promise<void> => {
    // After a failure (past Backoff's retries) the check fails; the other stats would only wait.
    while (next < candidates.length && !failed) {
      const artifactId = candidates[next++]!;
      const modifiedAt = await modifiedAtOf(store, artifactId).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      // Undefined: gone since the listing, so neither an orphan nor in flight.
      if (modifiedAt !== undefined) {
        if (Date.now() - modifiedAt.getTime() > lifetimeMs) orphaned.push(artifactId);
        else recent += 1;
      }
      done += 1;
      onProgress?.({ phase: 'age', done, total: candidates.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrentStats, candidates.length) }, dateInTurn));
  return { orphaned: orphaned.sort(), recent };
}

async function modifiedAtOf(store: ArtifactStore, artifactId: string): Promise<Date | undefined> {
  try {
    return (await store.stat(artifactId)).modifiedAt;
  } catch (error) {
    if (isArtifactNotFound(error)) return undefined;
    throw error;
  }
}

async function listStaleStagedUploads(store: ArtifactStore, lifetimeMs: number): Promise<StaleStagedUpload[]> {
  const stale: IncompleteStagedUpload[] = [];
  const startedBefore = Date.now() - lifetimeMs;
  for await (const upload of store.stagedUploads?.listIncomplete() ?? []) {
    if (upload.startedAt.getTime() < startedBefore) stale.push(upload);
  }
  return stale
    .sort((a, b) => (a.artifactId < b.artifactId ? -1 : a.artifactId > b.artifactId ? 1 : 0))
    .map(({ artifactId, uploadId, startedAt }) => ({
      artifactId,
      ...(uploadId === undefined ? {} : { uploadId }),
      startedAt: startedAt.toISOString(),
    }));
}

/**
 * True when removing the metadata of every artifact without bytes would remove more than half
 * of all artifact rows. A store that lacks most bytes is far more likely the wrong store (a
 * mistyped folder, another bucket) than a store that lost them, and the rows hold filenames
 * and owners that nothing else keeps: `check --fix-metadata` refuses then, unless forced.
 */
export function removesMostMetadata(report: ConsistencyReport): boolean {
  return report.missingBytes.length * 2 > report.metadataRows;
}

function byOwnerThenId(a: MissingBytesArtifact, b: MissingBytesArtifact): number {
  return (
    a.studyId - b.studyId ||
    (a.trialId ?? -1) - (b.trialId ?? -1) ||
    (a.artifactId < b.artifactId ? -1 : a.artifactId > b.artifactId ? 1 : 0)
  );
}

/**
 * Removes what the report found, as far as asked: orphaned objects through the store, and the
 * metadata rows of artifacts without bytes. Each removal is preceded by a re-check of that one
 * artifact, because the report may be minutes old on a large store: an upload in flight has
 * written its bytes but not yet its row, and must not lose them.
 */
export async function fixConsistency(
  services: ConsistencyCheckServices,
  report: ConsistencyReport,
  options: ConsistencyFixOptions,
): Promise<ConsistencyFixResult> {
  const { database, store } = services;
  const result: ConsistencyFixResult = {
    removedOrphanedObjects: [],
    removedMetadata: [],
    removedStagedUploads: [],
    resolvedSinceCheck: [],
    failure: null,
  };
  type Outcome = 'removed' | 'resolved';
  const removeOrphan = async (artifactId: string): Promise<Outcome> => {
    if (await isNamedByMetadata(database, artifactId)) return 'resolved';
    await store.remove(artifactId);
    return 'removed';
  };
  const removeMetadataWithoutBytes = async (artifactId: string): Promise<Outcome> => {
    if (await hasBytes(store, artifactId)) return 'resolved';
    return (await database.artifactAttributeWrites.delete(artifactId)).length > 0 ? 'removed' : 'resolved';
  };
  const abortStaleStagedUpload = (upload: StaleStagedUpload) => async (): Promise<Outcome> => {
    // A ticket this old cannot be completed; a row naming the id means it was, just now.
    if (await isNamedByMetadata(database, upload.artifactId)) return 'resolved';
    await store.stagedUploads?.abortUpload(upload.artifactId, upload.uploadId);
    return 'removed';
  };
  const steps = [
    ...(options.removeOrphans ? report.orphanedObjects : []).map((artifactId) => ({
      artifactId,
      run: removeOrphan,
      removedInto: result.removedOrphanedObjects,
    })),
    ...(options.removeMissingBytesMetadata
      ? [...new Set(report.missingBytes.map((entry) => entry.artifactId))]
      : []
    ).map((artifactId) => ({
      artifactId,
      run: removeMetadataWithoutBytes,
      removedInto: result.removedMetadata,
    })),
    ...(options.removeStaleStagedUploads === true ? report.staleStagedUploads : []).map((upload) => ({
      artifactId: upload.artifactId,
      run: abortStaleStagedUpload(upload),
      removedInto: result.removedStagedUploads,
    })),
  ];

  for (const [index, step] of steps.entries()) {
    try {
      const outcome = await step.run(step.artifactId);
      (outcome === 'removed' ? step.removedInto : result.resolvedSinceCheck).push(step.artifactId);
    } catch (error) {
      // Backoff has already retried what was transient: the store is down or refusing, and
      // every further removal would fail the same way after as long a wait.
      result.failure = { artifactId: step.artifactId, message: describeError(error) };
      break;
    } finally {
      options.onProgress?.({ phase: 'fix', done: index + 1, total: steps.length });
    }
  }
  return result;
}

/** True when a row other than a tombstone names the id now (malformed rows count: see ConsistencyReport). */
async function isNamedByMetadata(database: OptunaDatabase, artifactId: string): Promise<boolean> {
  return (await database.artifactAttributes.byArtifactIds([artifactId])).some(
    (row) => !isArtifactTombstone(row.key, row.valueJson),
  );
}

async function hasBytes(store: ArtifactStore, artifactId: string): Promise<boolean> {
  // A row under an id no store can hold (not a uuid) has no bytes anywhere.
  if (!isValidArtifactId(artifactId)) return false;
  try {
    await store.stat(artifactId);
    return true;
  } catch (error) {
    if (isArtifactNotFound(error)) return false;
    throw error;
  }
}
