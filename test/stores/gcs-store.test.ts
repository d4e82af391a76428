import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBackoffConfig } from '../../src/config/config.js';
import { Backoff } from '../../src/stores/backoff.js';
import { GCSArtifactStore, type GCSArtifactStoreOptions } from '../../src/stores/gcs-store.js';
import { crc32c, fakeServiceAccountCredentials, startGcsFake, type GcsFake } from '../support/gcs-fake.js';
import { makeTemporaryDirectory, sha256OfStream, writeRandomFile, type TemporaryDirectory } from './artifact-bytes.js';
import { describeArtifactStoreContract } from './artifact-store-contract.js';
import { silentLogger } from '../support/recording-logger.js';

const storeOn = (fake: GcsFake, options: GCSArtifactStoreOptions = {}): GCSArtifactStore =>
  new GCSArtifactStore(fake.bucket, {
    apiEndpoint: fake.endpoint,
    projectId: 'optuna-artifacts-tests',
    credentials: fakeServiceAccountCredentials(),
    ...options,
  });

describeArtifactStoreContract('GCSArtifactStore on the GCS JSON API fake', async () => {
  const fake = await startGcsFake();
  const spool = await makeTemporaryDirectory('gcs-spool-');
  return {
    store: storeOn(fake, { spoolDirectory: spool.path }),
    expectedDescription: `gs://${fake.bucket}`,
    hasEtag: true,
    backendRequestCount: fake.requestCount,
    async close() {
      await fake.close();
      await spool.remove();
    },
  };
});

describe('GCSArtifactStore', () => {
  let fake: GcsFake;
  let sources: TemporaryDirectory;
  const fastBackoff = { ...defaultBackoffConfig, minDelay: 0.001, maxDelay: 0.01 };

  beforeAll(async () => {
    fake = await startGcsFake();
    sources = await makeTemporaryDirectory('gcs-store-sources-');
  });

  afterAll(async () => {
    await fake.close();
    await sources.remove();
  });

  it("stores the blob under the artifact id at the bucket root, GCSArtifactStore's layout", async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'root'), 50_000);
    await storeOn(fake).write(id, source.path);
    expect(fake.objectBytes(id)?.equals(source.bytes)).toBe(true);
  });

  it('stores the blob under <prefix>/<artifact_id> when given a prefix', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'prefixed'), 500);
    const store = storeOn(fake, { prefix: 'study-artifacts' });
    await store.write(id, source.path);
    expect(fake.objectBytes(`study-artifacts/${id}`)?.equals(source.bytes)).toBe(true);
    expect(store.describe()).toBe(`gs://${fake.bucket}/study-artifacts`);
  });

  it('uploads with one resumable session: a POST that opens it, one PUT that streams the file', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'resumable'), 6 * 1024 * 1024);
    const before = fake.requestCount();
    await storeOn(fake).write(id, source.path);
    const sent = fake.requests
      .slice(before)
      .map((request) => `${request.method} ${new URL(request.url, 'http://x').searchParams.get('uploadType')}`);
    expect(sent).toEqual(['POST resumable', 'PUT resumable']);
    expect(await sha256OfStream(await storeOn(fake).read(id))).toBe(source.sha256);
  });

  it('makes one attempt per call itself: the client does not retry a 503', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'no-client-retry'), 100);
    const store = storeOn(fake);
    await store.write(id, source.path);
    const before = fake.requestCount();
    fake.failNext(1, 503);
    await expect(store.stat(id)).rejects.toMatchObject({ code: 503 });
    expect(fake.requestCount() - before).toBe(1);
  });

  it('retries a transient 503 through Backoff and then succeeds', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'retried'), 200_000);
    const store = new Backoff(storeOn(fake), fastBackoff, { logger: silentLogger });
    fake.failNext(2, 503);
    await store.write(id, source.path);
    fake.failNext(1, 503);
    expect(await sha256OfStream(await store.read(id))).toBe(source.sha256);
  });

  it('fails after exactly one attempt when GCS answers 403', async () => {
    const source = await writeRandomFile(join(sources.path, 'forbidden'), 100);
    const store = new Backoff(storeOn(fake), fastBackoff, { logger: silentLogger });
    const before = fake.requestCount();
    fake.failNext(100, 403);
    try {
      await expect(store.write(randomUUID(), source.path)).rejects.toMatchObject({ status: 403 });
      expect(fake.requestCount() - before).toBe(1);
    } finally {
      fake.failNext(0, 403);
    }
  });

  it('switches the client retries off', () => {
    expect(storeOn(fake).storage.retryOptions.autoRetry).toBe(false);
  });

  it('rejects checkReachable with one line for a bucket that does not exist', async () => {
    const store = new GCSArtifactStore('no-such-bucket', {
      apiEndpoint: fake.endpoint,
      projectId: 'p',
      credentials: fakeServiceAccountCredentials(),
    });
    const error = await store.checkReachable().catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^cannot reach gs:\/\/no-such-bucket: [^\n]+$/);
  });

  it('has a fake that computes CRC32C (Castagnoli) like GCS', () => {
    // The standard check value of CRC-32C.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});
