import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from '../../src/stores/s3-store.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { readWithOptunaBoto3Store, writeWithOptunaBoto3Store } from '../support/python-optuna-store.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';
import {
  makeTemporaryDirectory,
  readAll,
  sha256OfStream,
  writeRandomFile,
  type TemporaryDirectory,
} from './artifact-bytes.js';
import { describeArtifactStoreContract, type StoreUnderTest } from './artifact-store-contract.js';

const MiB = 1024 * 1024;

/** s3rver behind a pass-through proxy that counts the requests the store makes. */
async function startS3StoreUnderTest(prefix?: string): Promise<StoreUnderTest> {
  const s3 = await startS3rver();
  const proxy = await startFaultProxy(s3.endpoint);
  const spool = await makeTemporaryDirectory('s3-spool-');
  const store = new S3ArtifactStore(s3.bucket, {
    endpoint: proxy.endpoint,
    forcePathStyle: true,
    credentials: s3rverCredentials,
    spoolDirectory: spool.path,
    ...(prefix === undefined ? {} : { prefix }),
  });
  return {
    store,
    expectedDescription: `s3://${s3.bucket}${prefix === undefined ? '' : `/${prefix}`}`,
    hasEtag: true,
    backendRequestCount: proxy.requestCount,
    async close() {
      store.client.destroy();
      await proxy.close();
      await s3.close();
      await spool.remove();
    },
  };
}

describeArtifactStoreContract('S3ArtifactStore on s3rver', () => startS3StoreUnderTest());
describeArtifactStoreContract('S3ArtifactStore on s3rver, with a key prefix', () =>
  startS3StoreUnderTest('optuna/artifacts'),
);

describe('S3ArtifactStore', () => {
  let s3: RunningS3rver;
  let proxy: FaultProxy;
  let sources: TemporaryDirectory;
  let rawClient: S3Client;
  const stores: S3ArtifactStore[] = [];

  const storeWith = (options: S3ArtifactStoreOptions = {}): S3ArtifactStore => {
    const store = new S3ArtifactStore(s3.bucket, {
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      credentials: s3rverCredentials,
      spoolDirectory: sources.path,
      ...options,
    });
    stores.push(store);
    return store;
  };

  const storedObject = async (key: string): Promise<Buffer> => {
    const object = await rawClient.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  };

  beforeAll(async () => {
    s3 = await startS3rver();
    proxy = await startFaultProxy(s3.endpoint);
    sources = await makeTemporaryDirectory('s3-store-sources-');
    rawClient = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: s3rverCredentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  afterAll(async () => {
    for (const store of stores) store.client.destroy();
    rawClient.destroy();
    await proxy.close();
    await s3.close();
    await sources.remove();
  });

  it("stores the object under the artifact id at the bucket root, Boto3ArtifactStore's layout", async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'root'), 100_000);
    await storeWith().write(id, source.path);
    expect((await storedObject(id)).equals(source.bytes)).toBe(true);
  });

  it('stores the object under <prefix>/<artifact_id> when given a prefix', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'prefixed'), 1000);
    await storeWith({ prefix: '/team-a/artifacts/' }).write(id, source.path);
    expect((await storedObject(`team-a/artifacts/${id}`)).equals(source.bytes)).toBe(true);
  });

  it.skipIf(!inject('pythonOptuna'))(
    "writes what Optuna's Boto3ArtifactStore reads (same key, same bytes)",
    async () => {
      const id = randomUUID();
      const source = await writeRandomFile(join(sources.path, 'for-boto3'), 3 * MiB + 5);
      await storeWith().write(id, source.path);
      expect(await readWithOptunaBoto3Store(s3.endpoint, s3.bucket, id)).toEqual({
        size: source.bytes.length,
        sha256: source.sha256,
      });
    },
  );

  it.skipIf(!inject('pythonOptuna'))("reads what Optuna's Boto3ArtifactStore writes", async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'from-boto3'), 700_000);
    await writeWithOptunaBoto3Store(s3.endpoint, s3.bucket, id, source.path);
    expect(await sha256OfStream(await storeWith().read(id))).toBe(source.sha256);
  });

  it.skipIf(!inject('pythonOptuna'))(
    'sends a file above the multipart threshold in parts, and it reads back intact',
    async () => {
      const id = randomUUID();
      const source = await writeRandomFile(join(sources.path, 'multipart'), 12 * MiB + 1);
      const store = storeWith({ multipartThreshold: 5 * MiB, partSize: 5 * MiB });
      proxy.clearRecord();
      await store.write(id, source.path);
      const sent = proxy.requests.map(
        (request) => request.method + ' ' + request.url.replace(/[?&](x-id|uploadId)=[^&]*/g, ''),
      );
      expect(sent.filter((line) => /^POST .*\?uploads/.test(line))).toHaveLength(1);
      expect(sent.filter((line) => /^PUT .*partNumber=/.test(line))).toHaveLength(3);
      expect(await sha256OfStream(await store.read(id))).toBe(source.sha256);
      expect(await readWithOptunaBoto3Store(s3.endpoint, s3.bucket, id)).toEqual({
        size: source.bytes.length,
        sha256: source.sha256,
      });
    },
  );

  it('sends a file up to the threshold as one PutObject request', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'single'), 8 * MiB);
    proxy.clearRecord();
    await storeWith().write(id, source.path);
    expect(proxy.requests.map((request) => request.method)).toEqual(['PUT']);
  });

  it('makes its SDK client a single-attempt client with checksums only where required', async () => {
    const { config } = storeWith().client;
    expect(await config.maxAttempts()).toBe(1);
    expect(await config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });

  it('rejects checkReachable with one line for a bucket that does not exist', async () => {
    const store = new S3ArtifactStore('no-such-bucket', {
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3rverCredentials,
    });
    stores.push(store);
    const error = await store.checkReachable().catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^cannot reach s3:\/\/no-such-bucket: [^\n]+$/);
  });

  it('reads a range without fetching the rest', async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(sources.path, 'range'), 2 * MiB);
    const store = storeWith();
    await store.write(id, source.path);
    const slice = await readAll(await store.read(id, { start: MiB, end: MiB + 99 }));
    expect(slice.equals(source.bytes.subarray(MiB, MiB + 100))).toBe(true);
  });
});
