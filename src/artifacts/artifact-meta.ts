// Optuna's artifact metadata in its attribute tables: the key names the artifact, the value is
// the DOUBLE-encoded JSON of {artifact_id, filename, mimetype, encoding} (see OPTUNA-FORMAT.md).
// Decoding never throws: a tombstone or a malformed row is reported, and the caller skips it.
import { pythonJsonDumps, type PythonJsonValue } from '../optuna/python-json.js';

/** Key prefix of artifact rows in `study_system_attributes` / `trial_system_attributes`. */
export const artifactKeyPrefix = 'artifacts:';
/** Old optuna-dashboard: trial artifacts as study attributes `dashboard:artifacts:<trial_id>:<id>`. */
export const legacyDashboardKeyPrefix = 'dashboard:artifacts:';

export interface ArtifactMeta {
  artifactId: string;
  filename: string;
  mimetype: string;
  encoding: string | null;
  /** Extra keys this server adds (Optuna ignores them); null when the row lacks them. */
  size: number | null;
  sha256: string | null;
  /** ISO-8601 UTC. */
  createdAt: string | null;
}

export type ArtifactAttributeKey =
  { kind: 'optuna'; artifactId: string } | { kind: 'legacy-dashboard'; trialId: number; artifactId: string };

export type DecodedArtifactAttribute =
  | { kind: 'artifact'; meta: ArtifactMeta; key: ArtifactAttributeKey }
  | { kind: 'not-an-artifact' }
  /** optuna-dashboard's delete: `json.dumps(None)` written over the key. Not an artifact. */
  | { kind: 'tombstone' }
  | { kind: 'malformed'; reason: string };

export const artifactAttributeKey = (artifactId: string): string => `${artifactKeyPrefix}${artifactId}`;

export function parseArtifactAttributeKey(key: string): ArtifactAttributeKey | null {
  if (key.startsWith(artifactKeyPrefix)) return { kind: 'optuna', artifactId: key.slice(artifactKeyPrefix.length) };
  if (!key.startsWith(legacyDashboardKeyPrefix)) return null;
  const match = /^(\d+):(.+)$/.exec(key.slice(legacyDashboardKeyPrefix.length));
  if (!match) return null;
  return { kind: 'legacy-dashboard', trialId: Number(match[1]), artifactId: match[2]! };
}

/** One attribute row (key and stored `value_json`) → artifact metadata, or why it is not one. */
export function decodeArtifactAttribute(key: string, valueJson: string | null): DecodedArtifactAttribute {
  const parsedKey = parseArtifactAttributeKey(key);
  if (parsedKey === null) {
    return key.startsWith(legacyDashboardKeyPrefix)
      ? { kind: 'malformed', reason: `unreadable legacy dashboard key ${JSON.stringify(key)}` }
      : { kind: 'not-an-artifact' };
  }
  if (valueJson === null) return { kind: 'malformed', reason: 'value_json is NULL' };
  let outer: unknown;
  let inner: unknown;
  try {
    outer = JSON.parse(valueJson);
    if (outer === null) return { kind: 'tombstone' };
    if (typeof outer !== 'string') {
      return { kind: 'malformed', reason: 'value is not double-encoded JSON (Optuna cannot read it either)' };
    }
    inner = JSON.parse(outer);
  } catch {
    return { kind: 'malformed', reason: 'value_json is not JSON' };
  }
  if (inner === null) return { kind: 'tombstone' };
  const meta = artifactMetaFromObject(inner);
  if (typeof meta === 'string') return { kind: 'malformed', reason: meta };
  if (meta.artifactId !== parsedKey.artifactId) {
    return { kind: 'malformed', reason: `artifact_id ${JSON.stringify(meta.artifactId)} does not match the key` };
  }
  return { kind: 'artifact', meta, key: parsedKey };
}

/**
 * optuna-dashboard's delete: a value that decodes to null at either level of the encoding
 * (`json.dumps(None)` stored as Optuna stores any value: `"null"`, with the quotes). The one
 * rule for everything that must skip such rows (listing, watcher, check).
 */
export const isArtifactTombstone = (key: string, valueJson: string | null): boolean =>
  decodeArtifactAttribute(key, valueJson).kind === 'tombstone';

/** The four keys Optuna's `ArtifactMeta(**…)` requires, plus the optional extras; or a reason. */
function artifactMetaFromObject(value: unknown): ArtifactMeta | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'metadata is not a JSON object';
  const record = value as Record<string, unknown>;
  for (const key of ['artifact_id', 'filename', 'mimetype'] as const) {
    if (typeof record[key] !== 'string' || record[key] === '') return `${key} is missing or not a string`;
  }
  if (!('encoding' in record) || (record.encoding !== null && typeof record.encoding !== 'string')) {
    return 'encoding is missing or not a string/null';
  }
  return {
    artifactId: record.artifact_id as string,
    filename: record.filename as string,
    mimetype: record.mimetype as string,
    encoding: record.encoding as string | null,
    size: typeof record.size === 'number' && Number.isSafeInteger(record.size) && record.size >= 0 ? record.size : null,
    sha256:
      typeof record.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(record.sha256) ? record.sha256.toLowerCase() : null,
    createdAt: isoTimestampOrNull(record.created_at),
  };
}

function isoTimestampOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

export interface NewArtifactMeta {
  artifactId: string;
  filename: string;
  mimetype: string;
  encoding: string | null;
  size?: number;
  sha256?: string;
  /** ISO-8601 UTC. */
  createdAt?: string;
}

/**
 * The `value_json` Optuna itself would store for this metadata: `json.dumps(json.dumps(meta))`,
 * Python's separators and ASCII escapes, Optuna's key order, then the extras (which Optuna
 * ignores when it reads the row back).
 */
export function encodeArtifactMetaValueJson(meta: NewArtifactMeta): string {
  const object: Record<string, PythonJsonValue> = {
    artifact_id: meta.artifactId,
    filename: meta.filename,
    mimetype: meta.mimetype,
    encoding: meta.encoding,
  };
  if (meta.size !== undefined) object.size = meta.size;
  if (meta.sha256 !== undefined) object.sha256 = meta.sha256;
  if (meta.createdAt !== undefined) object.created_at = meta.createdAt;
  return pythonJsonDumps(pythonJsonDumps(object));
}
