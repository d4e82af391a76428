// S3 through a fault-injecting proxy: Backoff must carry writes through transient faults,
// stop at once on permanent ones, and see the real error behind s3rver's multipart quirks.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BackoffConfig } from '../../src/config/config.js';
import { Backoff } from '../../src/stores/backoff.js';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from '../../src/stores/s3-store.js';
import {
  answerStatus,
  failFirstMatching,
  failRandomly,
  passThrough,
  seededRandom,
  startFaultProxy,
  type FaultProxy,
} from '../support/fault-proxy.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';
import { makeTemporaryDirectory, sha256OfStream, writeRandomFile, type TemporaryDirectory } from './artifact-bytes.js';
import { recordingLogger } from '../support/recording-logger.js';

const MiB = 1024 * 1024;
// Optuna's schedule shape, scaled down so retries take milliseconds.
const fastBackoff: BackoffConfig = { maxRetries: 10, multiplier: 2, minDelay: 0.001, maxDelay: 0.02 };

interface LoggedWarning {
  message: string;
  fields?: Record<string, unknown>;
}

describe('S3ArtifactStore behind a faulty network', () => {
  let s3: RunningS3rver;
  let proxy: FaultProxy;
  let sources: TemporaryDirectory;
  const stores: S3ArtifactStore[] = [];
  let warnings: LoggedWarning[] = [];
  const logger = recordingLogger(
    ({ level, message, fields }) => level === 'warn' && void warnings.push({ message, fields }),
  );

  const storeWith = (options: S3ArtifactStoreOptions = {}): S3ArtifactStore => {
    const store = new S3ArtifactStore(s3.bucket, {
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      credentials: s3rverCredentials,
      logger,
      ...options,
    });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    s3 = await startS3rver();
    proxy = await startFaultProxy(s3.endpoint);
    sources = await makeTemporaryDirectory('s3-faults-');
  });

  afterEach(() => {
    proxy.setPolicy(passThrough);
    proxy.clearRecord();
    warnings = [];
  });

  afterAll(async () => {
    for (const store of stores) store.client.destroy();
    await proxy.close();
    await s3.close();
    await sources.remove();
  });

  it('writes 20 files of 8 MiB through Backoff while 30% of requests fail with 503 or a reset, and reads them back intact', async () => {
    const store = new Backoff(storeWith(), fastBackoff, { logger });
    const random = seededRandom(20_240_601);
    proxy.setPolicy(failRandomly({ rate: 0.3, random }));
    const written: { id: string; sha256: string }[] = [];
    for (let index = 0; index < 20; index++) {
      const id = randomUUID();
      const { path, sha256 } = await writeRandomFile(join(sources.path, `spool-${index}`), 8 * MiB);
      await store.write(id, path);
      written.push({ id, sha256 });
    }
    const faultsDuringWrites = proxy.faultCount();
    for (const { id, sha256 } of written) expect(await sha256OfStream(await store.read(id))).toBe(sha256);

    const faultKinds = new Set(
      proxy.requests.flatMap((request) => (request.fault === undefined ? [] : [JSON.stringify(request.fault)])),
    );
    expect(faultKinds).toEqual(new Set(['{"status":503}', '"reset"']));
    expect(faultsDuringWrites).toBeGreaterThan(0);
    // Every injected fault cost exactly one retry, and each retry was logged.
    expect(warnings).toHaveLength(proxy.faultCount());
    for (const { fields } of warnings) {
      expect(fields).toMatchObject({
        artifactId: expect.any(String),
        attempt: expect.any(Number),
        delaySeconds: expect.any(Number),
        error: expect.any(String),
      });
    }
  });

  it('fails a write after exactly one attempt when S3 answers 403', async () => {
    const backend = storeWith();
    const writeSpy = vi.spyOn(backend, 'write');
    const store = new Backoff(backend, fastBackoff, { logger });
    const { path } = await writeRandomFile(join(sources.path, 'forbidden'), 8 * MiB);
    proxy.setPolicy(answerStatus(403));
    const error = await store.write(randomUUID(), path).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(proxy.requestCount()).toBe(1);
    expect(writeSpy).toHaveBeenCalledTimes(1);
    expect(warnings).toEqual([]);
  });

  it('reports the failed part’s 503, not s3rver’s 405 to the abort, when a multipart upload fails', async () => {
    const store = storeWith({ multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    const { path } = await writeRandomFile(join(sources.path, 'multipart-failing'), 30 * MiB);
    proxy.setPolicy(
      failFirstMatching((request) => request.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(request.url), {
        status: 503,
      }),
    );
    const error = await store.write(randomUUID(), path).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 503 } });
    // lib-storage stops handing out parts once one fails, so not all six were sent.
    expect(proxy.requests.filter((request) => /[?&]partNumber=/.test(request.url)).length).toBeLessThan(6);
    // The store did try to clean up; s3rver refused with 405 and that was only logged.
    expect(proxy.requests.some((request) => request.method === 'DELETE' && request.url.includes('uploadId='))).toBe(
      true,
    );
    expect(warnings.map((warning) => warning.message)).toContain('could not abort a failed multipart upload');
  });

  it('retries a multipart upload whose part failed, re-reading the file from the start', async () => {
    const backend = storeWith({ multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    const writeSpy = vi.spyOn(backend, 'write');
    const store = new Backoff(backend, fastBackoff, { logger });
    const id = randomUUID();
    const { path, sha256 } = await writeRandomFile(join(sources.path, 'multipart-retried'), 12 * MiB);
    proxy.setPolicy(
      failFirstMatching((request) => request.method === 'PUT' && /[?&]partNumber=1(&|$)/.test(request.url), 'reset'),
    );
    await store.write(id, path);
    expect(writeSpy).toHaveBeenCalledTimes(2);
    expect(await sha256OfStream(await store.read(id))).toBe(sha256);
  });

  it("waits as long as the server's Retry-After asks", async () => {
    const sleeps: number[] = [];
    const store = new Backoff(storeWith(), fastBackoff, {
      logger,
      sleep: async (milliseconds) => void sleeps.push(milliseconds),
    });
    const { path } = await writeRandomFile(join(sources.path, 'retry-after'), 1000);
    proxy.setPolicy(failFirstMatching(() => true, { status: 503, retryAfterSeconds: 0.015 }));
    await store.write(randomUUID(), path);
    expect(sleeps).toEqual([15]);
    expect(warnings[0]?.fields).toMatchObject({ retryAfterSeconds: 0.015 });
  });
});
