// The text of the notices instances send each other when an artifact write commits (PostgreSQL
// NOTIFY on a channel of this server's own: nothing is added to Optuna's schema). Small: the
// kind, the table and the row ids (`deleted:trial:17,18`); a deletion's row ids let every
// instance re-check exactly those rows at once instead of waiting for its rolling check.
import type { AttributeSource } from '../queries/artifact-attribute-queries.js';
import type { ArtifactWriteNotice } from '../optuna-database.js';

/** The channel every instance sends on and listens to. */
export const artifactWriteChannel = 'optuna_artifacts';

export function encodeArtifactWriteNotice(notice: ArtifactWriteNotice): string {
  return `${notice.kind}:${notice.source}:${notice.rowIds.join(',')}`;
}

/** The notice `payload` carries; null for a payload this server did not write (ignored). */
export function decodeArtifactWriteNotice(payload: string): ArtifactWriteNotice | null {
  const match = /^(created|deleted):(study|trial):(\d+(?:,\d+)*)$/.exec(payload);
  if (match === null) return null;
  return {
    kind: match[1] as ArtifactWriteNotice['kind'],
    source: match[2] as AttributeSource,
    rowIds: match[3]!.split(',').map(Number),
  };
}
