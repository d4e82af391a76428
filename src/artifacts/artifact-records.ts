// Artifact metadata rows → the artifacts the server shows. Tombstones and non-artifact rows
// vanish; a malformed row is reported (once) and skipped, so one bad row never hides the rest.
import type { ArtifactAttributeRow } from '../db/artifact-attribute-queries.js';
import type { OnceLogger } from '../db/database-logger.js';
import type { TrialState } from '../optuna/enums.js';
import type { ArtifactPosition } from './artifact-cursor.js';
import { decodeArtifactAttribute, type ArtifactMeta } from './artifact-meta.js';

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

export function artifactRecordFromRow(row: ArtifactAttributeRow, log: OnceLogger): ArtifactRecord | null {
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
