// Runs upstream Optuna's artifact-store code (mirrored in python/optuna_artifact_stores.py)
// with the system Python, which has boto3; the PATH python3 is a pyenv without it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemPython } from './python-optuna.js';

const script = fileURLToPath(new URL('./python/optuna_artifact_stores.py', import.meta.url));

export interface BytesDigest {
  size: number;
  /** Lowercase hex. */
  sha256: string;
}

async function runOptunaStore(args: string[]): Promise<BytesDigest> {
  const { stdout } = await promisify(execFile)(systemPython, [script, ...args], {
    // Keep a developer's AWS configuration out of the boto3 client.
    env: {
      PATH: process.env.PATH ?? '/usr/bin',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as BytesDigest;
}

/** What Optuna's FileSystemArtifactStore(basePath).open_reader(artifactId) returns. */
export const readWithOptunaFileSystemStore = (basePath: string, artifactId: string): Promise<BytesDigest> =>
  runOptunaStore(['read-fs', basePath, artifactId]);

/** Optuna's FileSystemArtifactStore(basePath).write(artifactId, open(sourcePath)). */
export const writeWithOptunaFileSystemStore = (
  basePath: string,
  artifactId: string,
  sourcePath: string,
): Promise<BytesDigest> => runOptunaStore(['write-fs', basePath, artifactId, sourcePath]);

/** What Optuna's Boto3ArtifactStore(bucket).open_reader(artifactId) returns, via boto3 against `endpoint`. */
export const readWithOptunaBoto3Store = (endpoint: string, bucket: string, artifactId: string): Promise<BytesDigest> =>
  runOptunaStore(['read-s3', endpoint, bucket, artifactId]);

/** Optuna's Boto3ArtifactStore(bucket).write(artifactId, open(sourcePath)), via boto3 against `endpoint`. */
export const writeWithOptunaBoto3Store = (
  endpoint: string,
  bucket: string,
  artifactId: string,
  sourcePath: string,
): Promise<BytesDigest> => runOptunaStore(['write-s3', endpoint, bucket, artifactId, sourcePath]);

/** What Optuna's GCSArtifactStore(bucket).open_reader(artifactId) returns, against the GCS API at `endpoint`. */
export const readWithOptunaGcsStore = (endpoint: string, bucket: string, artifactId: string): Promise<BytesDigest> =>
  runOptunaStore(['read-gcs', endpoint, bucket, artifactId]);
