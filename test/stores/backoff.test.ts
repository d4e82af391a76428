import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultBackoffConfig, type BackoffConfig } from '../../src/config/config.js';
import { ArtifactNotFoundError, InvalidArtifactIdError, type ArtifactStore } from '../../src/stores/artifact-store.js';
import { Backoff, type BackoffOptions } from '../../src/stores/backoff.js';
import { makeTemporaryDirectory, readAll, writeRandomFile, type TemporaryDirectory } from './artifact-bytes.js';
import { awsServiceError, gcsApiError, systemError } from './store-failures.js';
import { silentLogger, warningsInto } from '../support/recording-logger.js';

/** A backend whose every method fails unless the test scripts it. */
function fakeBackend(overrides: Partial<ArtifactStore> = {}): ArtifactStore {
  const unscripted = () => Promise.reject(new Error('not scripted'));
  return {
    read: vi.fn(unscripted),
    write: vi.fn(unscripted),
    remove: vi.fn(unscripted),
    stat: vi.fn(unscripted),
    list: async function* () {},
    checkReachable: vi.fn(unscripted),
    spoolDirectory: '/spool',
    removeLeftoverTemporaryFiles: vi.fn(unscripted),
    describe: () => 'fake://backend',
    ...overrides,
  };
}

/** Backoff with recorded sleeps and warnings, and a fixed jitter draw. */
function backoffOver(backend: ArtifactStore, config: BackoffConfig = defaultBackoffConfig, jitter = 1) {
  const sleeps: number[] = [];
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const options: BackoffOptions = {
    sleep: async (milliseconds) => void sleeps.push(milliseconds),
    random: () => jitter,
    logger: warningsInto(warnings),
  };
  return { backoff: new Backoff(backend, config, options), sleeps, warnings };
}

const id = randomUUID();
const unavailable = () => awsServiceError(503, 'ServiceUnavailable');

describe('Backoff', () => {
  let sources: TemporaryDirectory;

  beforeAll(async () => {
    sources = await makeTemporaryDirectory('backoff-');
  });

  afterAll(() => sources.remove());

  afterEach(() => {
    vi.useRealTimers();
  });

  it("sleeps Optuna's capped schedule min(0.1·2^n, 30) s at most, and gives up after maxRetries retries", async () => {
    const failures = Array.from({ length: 12 }, unavailable);
    const write = vi.fn<ArtifactStore['write']>();
    for (const failure of failures) write.mockRejectedValueOnce(failure);
    const { backoff, sleeps } = backoffOver(fakeBackend({ write }), defaultBackoffConfig, 1);
    await expect(backoff.write(id, '/spool/x')).rejects.toBe(failures[10]);
    expect(write).toHaveBeenCalledTimes(11);
    expect(sleeps.map(Math.round)).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000]);
  });

  it('draws each sleep uniformly under the cap (full jitter)', async () => {
    const stat = vi
      .fn<ArtifactStore['stat']>()
      .mockRejectedValueOnce(unavailable())
      .mockRejectedValueOnce(unavailable())
      .mockRejectedValueOnce(unavailable())
      .mockResolvedValue({ size: 1, modifiedAt: new Date(0) });
    const { backoff, sleeps } = backoffOver(fakeBackend({ stat }), defaultBackoffConfig, 0.25);
    await expect(backoff.stat(id)).resolves.toEqual({ size: 1, modifiedAt: new Date(0) });
    expect(sleeps.map(Math.round)).toEqual([25, 50, 100]);
  });

  it('uses its own config', async () => {
    const config = { maxRetries: 2, multiplier: 3, minDelay: 1, maxDelay: 5 };
    const write = vi.fn<ArtifactStore['write']>().mockRejectedValue(systemError('ECONNRESET'));
    const { backoff, sleeps } = backoffOver(fakeBackend({ write }), config, 1);
    await expect(backoff.write(id, '/spool/x')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(write).toHaveBeenCalledTimes(3);
    expect(sleeps).toEqual([1000, 3000]);
  });

  it.each([
    ['not-found', new ArtifactNotFoundError(id)],
    ['an invalid id', new InvalidArtifactIdError('../etc/passwd')],
    ['401', awsServiceError(401, 'Unauthorized')],
    ['403', awsServiceError(403, 'AccessDenied')],
    ['a GCS 403', gcsApiError(403)],
    ['a validation error', new RangeError('invalid byte range')],
  ])('never retries %s', async (_, error) => {
    const read = vi.fn<ArtifactStore['read']>().mockRejectedValue(error);
    const { backoff, sleeps, warnings } = backoffOver(fakeBackend({ read }));
    await expect(backoff.read(id)).rejects.toBe(error);
    expect(read).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['408', awsServiceError(408, 'RequestTimeout')],
    ['429', awsServiceError(429, 'TooManyRequests')],
    ['500', awsServiceError(500, 'InternalError')],
    ['503 SlowDown', awsServiceError(503, 'SlowDown')],
    ['a connection reset', systemError('ECONNRESET')],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['a GCS 503', gcsApiError(503)],
  ])('retries %s and returns the result of the attempt that succeeds', async (_, error) => {
    const stream = Readable.from([Buffer.from('bytes')]);
    const read = vi.fn<ArtifactStore['read']>().mockRejectedValueOnce(error).mockResolvedValue(stream);
    const { backoff } = backoffOver(fakeBackend({ read }));
    await expect(backoff.read(id, { start: 0, end: 4 })).resolves.toBe(stream);
    expect(read).toHaveBeenCalledTimes(2);
    expect(read).toHaveBeenLastCalledWith(id, { start: 0, end: 4 });
  });

  it('waits at least as long as Retry-After asks', async () => {
    const write = vi
      .fn<ArtifactStore['write']>()
      .mockRejectedValueOnce(awsServiceError(503, 'SlowDown', { 'retry-after': '7' }))
      .mockResolvedValue();
    const { backoff, sleeps } = backoffOver(fakeBackend({ write }), defaultBackoffConfig, 0.5);
    await backoff.write(id, '/spool/x');
    expect(sleeps).toEqual([7000]);
  });

  it('caps a Retry-After longer than maxDelay at maxDelay', async () => {
    const write = vi
      .fn<ArtifactStore['write']>()
      .mockRejectedValueOnce(gcsApiError(429, { 'retry-after': '3600' }))
      .mockResolvedValue();
    const { backoff, sleeps } = backoffOver(fakeBackend({ write }));
    await backoff.write(id, '/spool/x');
    expect(sleeps).toEqual([30_000]);
  });

  it('makes exactly one backend call when remove succeeds (Optuna kept looping)', async () => {
    const remove = vi.fn<ArtifactStore['remove']>().mockResolvedValue();
    const { backoff, sleeps } = backoffOver(fakeBackend({ remove }));
    await backoff.remove(id);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  it('stops retrying remove at the first success', async () => {
    const remove = vi.fn<ArtifactStore['remove']>().mockRejectedValueOnce(systemError('ETIMEDOUT')).mockResolvedValue();
    const { backoff } = backoffOver(fakeBackend({ remove }));
    await backoff.remove(id);
    expect(remove).toHaveBeenCalledTimes(2);
  });

  it('re-reads the source from the start on every write attempt', async () => {
    const source = await writeRandomFile(join(sources.path, 'spool'), 256 * 1024);
    const digestsOfCompleteReads: string[] = [];
    let attempts = 0;
    // A backend that reads part of the file, then loses the connection, the first time.
    const write = vi.fn<ArtifactStore['write']>(async (_, sourcePath) => {
      attempts++;
      const hash = createHash('sha256');
      let bytesRead = 0;
      for await (const chunk of createReadStream(sourcePath, { highWaterMark: 16 * 1024 })) {
        hash.update(chunk as Buffer);
        bytesRead += (chunk as Buffer).length;
        if (attempts === 1 && bytesRead >= 64 * 1024) throw systemError('ECONNRESET');
      }
      digestsOfCompleteReads.push(hash.digest('hex'));
    });
    const { backoff } = backoffOver(fakeBackend({ write }));
    await backoff.write(id, source.path);
    expect(write).toHaveBeenCalledTimes(2);
    expect(write.mock.calls.map(([, path]) => path)).toEqual([source.path, source.path]);
    expect(digestsOfCompleteReads).toEqual([source.sha256]);
  });

  it('logs each retry with the artifact id, attempt, delay and error', async () => {
    const write = vi
      .fn<ArtifactStore['write']>()
      .mockRejectedValueOnce(unavailable())
      .mockRejectedValueOnce(systemError('ECONNRESET'))
      .mockResolvedValue();
    const { backoff, warnings } = backoffOver(fakeBackend({ write }));
    await backoff.write(id, '/spool/x');
    expect(warnings).toEqual([
      {
        message: 'artifact store call failed, retrying',
        fields: {
          operation: 'write',
          artifactId: id,
          attempt: 1,
          maxAttempts: 11,
          delaySeconds: 0.1,
          error: 'ServiceUnavailable: ServiceUnavailable (503)',
        },
      },
      {
        message: 'artifact store call failed, retrying',
        fields: {
          operation: 'write',
          artifactId: id,
          attempt: 2,
          maxAttempts: 11,
          delaySeconds: 0.2,
          error: 'Error [ECONNRESET]: ECONNRESET: simulated',
        },
      },
    ]);
  });

  it('by default sleeps on timers, so fake timers drive it', async () => {
    vi.useFakeTimers();
    const write = vi.fn<ArtifactStore['write']>().mockRejectedValueOnce(unavailable()).mockResolvedValue();
    const backoff = new Backoff(fakeBackend({ write }), defaultBackoffConfig, {
      random: () => 1,
      logger: silentLogger,
    });
    let settled = false;
    const writing = backoff.write(id, '/spool/x').then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(write).toHaveBeenCalledTimes(1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await writing;
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('by default logs each retry as one JSON line on stderr', async () => {
    const stderrWrite = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const write = vi.fn<ArtifactStore['write']>().mockRejectedValueOnce(unavailable()).mockResolvedValue();
      await new Backoff(fakeBackend({ write }), defaultBackoffConfig, { sleep: async () => {} }).write(id, '/spool/x');
      expect(stderrWrite).toHaveBeenCalledTimes(1);
      const line = String(stderrWrite.mock.calls[0]?.[0]);
      expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
      expect(JSON.parse(line)).toMatchObject({
        level: 'warn',
        message: 'artifact store call failed, retrying',
        artifactId: id,
        attempt: 1,
      });
    } finally {
      stderrWrite.mockRestore();
    }
  });

  it('passes list, checkReachable, clean-up, describe and spoolDirectory through without retrying', async () => {
    const checkReachable = vi.fn<ArtifactStore['checkReachable']>().mockRejectedValue(unavailable());
    const removeLeftoverTemporaryFiles = vi.fn<ArtifactStore['removeLeftoverTemporaryFiles']>().mockResolvedValue();
    const { backoff, sleeps } = backoffOver(fakeBackend({ checkReachable, removeLeftoverTemporaryFiles }));
    await expect(backoff.checkReachable()).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(checkReachable).toHaveBeenCalledTimes(1);
    await backoff.removeLeftoverTemporaryFiles();
    expect(removeLeftoverTemporaryFiles).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
    expect(backoff.describe()).toBe('fake://backend');
    expect(backoff.spoolDirectory).toBe('/spool');
  });

  it('returns the stream of the successful read intact', async () => {
    const read = vi
      .fn<ArtifactStore['read']>()
      .mockRejectedValueOnce(unavailable())
      .mockImplementation(async () => Readable.from([Buffer.from('abc')]));
    const { backoff } = backoffOver(fakeBackend({ read }));
    expect((await readAll(await backoff.read(id))).toString()).toBe('abc');
  });

  it.each([
    [{ maxRetries: -1 }, '--backoff-max-retries'],
    [{ maxRetries: 1.5 }, '--backoff-max-retries'],
    [{ multiplier: 0 }, '--backoff-multiplier'],
    [{ minDelay: -0.1 }, '--backoff-min-delay'],
    [{ minDelay: 5, maxDelay: 1 }, '--backoff-max-delay'],
    [{ maxDelay: Number.NaN }, '--backoff-max-delay'],
  ])('rejects the config %j with one line naming %s', (override, flag) => {
    const create = () => new Backoff(fakeBackend(), { ...defaultBackoffConfig, ...override });
    expect(create).toThrow(flag);
    expect(create).not.toThrow('\n');
  });
});
