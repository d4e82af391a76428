import { describe, expect, it } from 'vitest';
import { defaultBackoffConfig, type GcsConfig, type S3Config } from '../../src/config/config.js';
import { Backoff } from '../../src/stores/backoff.js';
import { FileSystemArtifactStore } from '../../src/stores/filesystem-store.js';
import { GCSArtifactStore } from '../../src/stores/gcs-store.js';
import { S3ArtifactStore } from '../../src/stores/s3-store.js';
import { storeFromUrl } from '../../src/stores/store-from-url.js';
import '../support/s3rver.js'; // silences the AWS SDK's Node-version warning

const s3: S3Config = { forcePathStyle: true, region: 'eu-west-3', endpoint: 'http://127.0.0.1:9000' };
const gcs: GcsConfig = { endpoint: 'http://127.0.0.1:4443', projectId: 'optuna-project' };
const backoff = { ...defaultBackoffConfig, maxRetries: 4 };
const options = { s3, gcs, backoff, cwd: '/srv/optuna' };

const backendOf = async (url: string) => {
  const store = await storeFromUrl(url, options);
  expect(store).toBeInstanceOf(Backoff);
  return (store as Backoff).backend;
};

describe('storeFromUrl', () => {
  it.each([
    ['file://./artifacts', '/srv/optuna/artifacts'],
    ['file://artifacts', '/srv/optuna/artifacts'],
    ['file://data/optuna artifacts', '/srv/optuna/data/optuna artifacts'],
    ['file:///var/lib/optuna/artifacts', '/var/lib/optuna/artifacts'],
    ['file:///var/lib/optuna%20artifacts/', '/var/lib/optuna artifacts'],
    ['file://localhost/var/artifacts', '/var/artifacts'],
  ])('opens %s as a filesystem store at %s', async (url, path) => {
    const store = await backendOf(url);
    expect(store).toBeInstanceOf(FileSystemArtifactStore);
    expect((store as FileSystemArtifactStore).basePath).toBe(path);
  });

  it('wraps the store in Backoff with the configured parameters', async () => {
    expect(((await storeFromUrl('file://./artifacts', options)) as Backoff).config).toEqual(backoff);
  });

  it('opens s3://bucket as an S3 store at the bucket root, configured from the S3 flags', async () => {
    const store = await backendOf('s3://optuna-artifacts');
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.describe()).toBe('s3://optuna-artifacts');
    const { config } = (store as S3ArtifactStore).client;
    expect(await config.region()).toBe('eu-west-3');
    expect(config.forcePathStyle).toBe(true);
    expect(await config.maxAttempts()).toBe(1);
    const endpoint = await config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:9000');
  });

  it('opens s3://bucket/prefix with a key prefix', async () => {
    const store = (await backendOf('s3://optuna-artifacts/team/study-1/')) as S3ArtifactStore;
    expect(store.layout.prefix).toBe('team/study-1');
    expect(store.describe()).toBe('s3://optuna-artifacts/team/study-1');
  });

  it('opens gs://bucket/prefix as a GCS store configured from the GCS flags', async () => {
    const store = (await backendOf('gs://optuna-artifacts/runs')) as GCSArtifactStore;
    expect(store).toBeInstanceOf(GCSArtifactStore);
    expect(store.describe()).toBe('gs://optuna-artifacts/runs');
    expect(store.storage.apiEndpoint).toBe('http://127.0.0.1:4443');
    expect(store.storage.retryOptions.autoRetry).toBe(false);
  });

  it('defaults the working directory to the process one', async () => {
    const store = (await storeFromUrl('file://./artifacts', { s3, gcs, backoff })) as Backoff;
    expect((store.backend as FileSystemArtifactStore).basePath).toBe(`${process.cwd()}/artifacts`);
  });

  it.each([
    'artifacts',
    './artifacts',
    'file://',
    'ftp://example.com/artifacts',
    's3://',
    's3://Upper_Case',
    's3://ab',
    's3://bucket/../escape',
    'gs://',
    'gs://bucket?versions=true',
    'file:///tmp/x%ZZ',
    's3://bucket\nsecond line',
  ])('rejects %j with one clear line', async (url) => {
    const error = await storeFromUrl(url, options).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^invalid --artifact-store URL [^\n]*$/);
  });
});
