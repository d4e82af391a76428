// The three stores a staged upload can go to, each started for a test with what the test needs
// to see inside it: the server flags that select it, whether an object is stored, and what
// unfinished uploads it still holds (multipart uploads, staged files, open sessions).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeServiceAccountCredentials, startGcsFake } from './gcs-fake.js';
import { s3rverCredentials, startS3rver } from './s3rver.js';
import { s3rverObjects } from './s3rver-objects.js';
import {
  readWithOptunaBoto3Store,
  readWithOptunaFileSystemStore,
  readWithOptunaGcsStore,
  type BytesDigest,
} from './python-optuna-store.js';

export type StagedStoreKind = 'filesystem' | 's3' | 'gcs';

export interface StagedStore {
  kind: StagedStoreKind;
  /** The server flags that select this store. */
  args: string[];
  /** True when bytes are stored under the artifact id. */
  objectExists(artifactId: string): Promise<boolean>;
  /** Unfinished uploads the backend still holds. */
  unfinishedUploads(): Promise<number>;
  /** Size and sha256 of what upstream Optuna's matching artifact store reads under the id. */
  readWithOptuna(artifactId: string): Promise<BytesDigest>;
  close(): Promise<void>;
}

const count = async (folder: string): Promise<number> => (await readdir(folder).catch(() => [])).length;

export async function startStagedStore(kind: StagedStoreKind): Promise<StagedStore> {
  const directory = await mkdtemp(join(tmpdir(), `oag-staged-${kind}-`));
  if (kind === 'filesystem') {
    const folder = join(directory, 'artifacts');
    return {
      kind,
      args: ['--artifact-store', `file://${folder}`],
      objectExists: async (artifactId) => existsSync(join(folder, artifactId)),
      unfinishedUploads: () => count(join(folder, '.staged')),
      readWithOptuna: (artifactId) => readWithOptunaFileSystemStore(folder, artifactId),
      close: () => rm(directory, { recursive: true, force: true }),
    };
  }
  if (kind === 's3') {
    const s3 = await startS3rver({ multipartAsS3: true });
    const objects = s3rverObjects(s3);
    // The AWS SDK's default credential chain of the server reads these.
    process.env.AWS_ACCESS_KEY_ID = s3rverCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3rverCredentials.secretAccessKey;
    return {
      kind,
      args: ['--artifact-store', `s3://${s3.bucket}`, '--s3-endpoint', s3.endpoint, '--s3-force-path-style'],
      objectExists: (artifactId) => objects.exists(artifactId),
      unfinishedUploads: () => count(join(s3.directory, s3.bucket, '._S3rver_uploads')),
      readWithOptuna: (artifactId) => readWithOptunaBoto3Store(s3.endpoint, s3.bucket, artifactId),
      async close() {
        objects.close();
        await s3.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  const fake = await startGcsFake();
  // The GCS client's Application Default Credentials read this key file (and sign URLs with it).
  const keyFile = join(directory, 'service-account.json');
  await writeFile(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'optuna-artifacts-tests',
      ...fakeServiceAccountCredentials(),
    }),
  );
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
  return {
    kind,
    args: ['--artifact-store', `gs://${fake.bucket}`, '--gcs-endpoint', fake.endpoint],
    objectExists: async (artifactId) => fake.objectBytes(artifactId) !== undefined,
    unfinishedUploads: async () => fake.openSessionCount(),
    readWithOptuna: (artifactId) => readWithOptunaGcsStore(fake.endpoint, fake.bucket, artifactId),
    async close() {
      await fake.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
