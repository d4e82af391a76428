// Artifact metadata rows → the artifacts the server shows. Tombstones and non-artifact rows
// vanish; a malformed row is reported (once) and skipped, so one bad row never hides the rest.
import { BoundedMap } from '../bounded-map.js';
import type { ArtifactAttributeRow } from '../db/queries/artifact-attribute-queries.js';
import type { OnceLogger } from '../db/database-logger.js';
import type { TrialState } from '../optuna/enums.js';
import type { ArtifactPosition } from './artifact-cursor.js';
import { decodeArtifactAttribute, type ArtifactMeta } from './artifact-meta.js';
import { rememberArtifact } from './recent-artifacts.js';

export interface ArtifactRecord extends ArtifactMeta {
  studyId: number;
  /** Null for a study artifact. */
  trialId: number | null;
  trialState: TrialState | null;
  /** Where the metadata row is; orders the newest-first lists. */
  position: ArtifactPosition;
  /** An old optuna-dashboard row (`dashboard:artifacts:<trial_id>:<id>` on the study). */
  legacy: boolean;
}

const tableOf = { study: 'study_system_attributes', trial: 'trial_system_attributes' } as const;

/**
 * Records already decoded, by table and row id: a listing decodes the same rows on every
 * request. A record is a function of its row alone (table, row id, key, owner, trial state
 * and `value_json`), and an entry is used only when ALL of these equal the row read now: an
 * edited, deleted or re-used row is simply decoded anew, so the cache can make a read faster,
 * never different. Records are shared between requests and must not be mutated. Bounded: the
 * oldest entries go first.
 */
const maxDecodedRecordsPerTable = 20_000;
const decodedRecords = {
  study: new BoundedMap<number, CachedRecord>(maxDecodedRecordsPerTable),
  trial: new BoundedMap<number, CachedRecord>(maxDecodedRecordsPerTable),
};

interface CachedRecord {
  row: ArtifactAttributeRow;
  record: ArtifactRecord;
}

const sameRow = (a: ArtifactAttributeRow, b: ArtifactAttributeRow): boolean =>
  a.valueJson === b.valueJson &&
  a.key === b.key &&
  a.studyId === b.studyId &&
  a.trialId === b.trialId &&
  a.trialState === b.trialState;

export function artifactRecordFromRow(row: ArtifactAttributeRow, log: OnceLogger): ArtifactRecord | null {
  const cache = decodedRecords[row.source];
  const cached = cache.get(row.rowId);
  if (cached !== undefined && sameRow(cached.row, row)) {
    rememberArtifact(cached.record);
    return cached.record;
  }
  const record = decodeArtifactRecord(row, log);
  // Only artifacts are kept: tombstones and other rows are cheap to decode, malformed ones are logged.
  if (record !== null) {
    cache.set(row.rowId, { row: { ...row }, record });
    rememberArtifact(record);
  } else if (cached !== undefined) {
    cache.delete(row.rowId);
  }
  return record;
}

/**
 * The record of `row`, decoded anew and NOT cached or remembered: for one pass over many rows
 * (the watcher's start), which would only push the rows requests read out of the caches.
 */
export function decodeArtifactRecord(row: ArtifactAttributeRow, log: OnceLogger): ArtifactRecord | null {
  const decoded = decodeArtifactAttribute(row.key, row.valueJson);
  let problem: string | null = null;
  if (decoded.kind === 'malformed') problem = decoded.reason;
  else if (decoded.kind === 'artifact' && decoded.key.kind === 'legacy-dashboard' && row.trialState === null) {
    problem = `the key names trial ${decoded.key.trialId}, which is not a trial of study ${row.studyId}`;
  }
  if (problem !== null) {
    const table = tableOf[row.source];
    log.warnOnce(
      `artifact-row:${table}:${row.rowId}:${row.valueJson ?? ''}`,
      `Skipping malformed artifact metadata in ${table} row ${row.rowId} (key ${JSON.stringify(row.key)}): ${problem}`,
    );
    return null;
  }
  if (decoded.kind !== 'artifact') return null;
  return {
    ...decoded.meta,
    studyId: row.studyId,
    trialId: row.trialId,
    trialState: row.trialState,
    position: { source: row.source, rowId: row.rowId },
    legacy: decoded.key.kind === 'legacy-dashboard',
  };
}

export function artifactRecordsFromRows(rows: readonly ArtifactAttributeRow[], log: OnceLogger): ArtifactRecord[] {
  const records: ArtifactRecord[] = [];
  for (const row of rows) {
    const record = artifactRecordFromRow(row, log);
    if (record) records.push(record);
  }
  return records;
}
