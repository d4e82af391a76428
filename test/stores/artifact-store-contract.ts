// The one contract suite every ArtifactStore adapter passes: each adapter's test file calls
// describeArtifactStoreContract with a function that starts its backend.
import { randomUUID } from 'node:crypto';
import { access, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultBackoffConfig } from '../../src/config/config.js';
import {
  ArtifactNotFoundError,
  ByteRangeNotSatisfiableError,
  InvalidArtifactIdError,
  isArtifactNotFound,
  isValidArtifactId,
  type ArtifactStore,
} from '../../src/stores/artifact-store.js';
import { Backoff } from '../../src/stores/backoff.js';
import {
  makeTemporaryDirectory,
  readAll,
  sha256OfFile,
  sha256OfStream,
  writeRandomFile,
  type TemporaryDirectory,
} from './artifact-bytes.js';
import { silentLogger } from '../support/recording-logger.js';

export interface StoreUnderTest {
  store: ArtifactStore;
  /** What `describe()` must return. */
  expectedDescription: string;
  /** Whether the backend reports entity tags. */
  hasEtag: boolean;
  /** Requests the backend server has received so far; absent for backends without requests. */
  backendRequestCount?: () => number;
  close(): Promise<void>;
}

/** Ids Optuna never produces, each a way a path could escape or alias the store's folder. */
function invalidArtifactIds(): string[] {
  const id = randomUUID();
  return [
    '',
    '.',
    '..',
    `../${id}`,
    `..\\${id}`,
    `/${id}`,
    '/etc/passwd',
    `${id}/x`,
    `x/${id}`,
    `${id}\0`,
    `${id}\n`,
    ` ${id}`,
    id.toUpperCase(),
    id.replaceAll('-', ''),
    `${id}.tmp`,
    `.${id}.0123456789ab.tmp`,
    '.spool',
  ];
}

export function describeArtifactStoreContract(adapterName: string, start: () => Promise<StoreUnderTest>): void {
  describe(`${adapterName} (ArtifactStore contract)`, () => {
    let subject: StoreUnderTest;
    let store: ArtifactStore;
    let sources: TemporaryDirectory;

    beforeAll(async () => {
      subject = await start();
      store = subject.store;
      sources = await makeTemporaryDirectory('contract-sources-');
      await store.checkReachable();
    });

    afterAll(async () => {
      await subject?.close();
      await sources?.remove();
    });

    const sourcePath = (name: string): string => join(sources.path, name);

    it('writes an artifact and reads the same bytes back', async () => {
      const id = randomUUID();
      const source = await writeRandomFile(sourcePath('whole'), 3 * 1024 * 1024 + 17);
      await store.write(id, source.path);
      expect(await sha256OfStream(await store.read(id))).toBe(source.sha256);
    });

    it('writes and reads an empty artifact', async () => {
      const id = randomUUID();
      const source = await writeRandomFile(sourcePath('empty'), 0);
      await store.write(id, source.path);
      expect((await readAll(await store.read(id))).length).toBe(0);
      expect((await store.stat(id)).size).toBe(0);
    });

    it('leaves the source file in place after a write, for the caller to remove', async () => {
      const id = randomUUID();
      const source = await writeRandomFile(sourcePath('kept'), 4096);
      await store.write(id, source.path);
      expect(await sha256OfFile(source.path)).toBe(source.sha256);
    });

    it('replaces the bytes when the same id is written again (a retried write)', async () => {
      const id = randomUUID();
      await store.write(id, (await writeRandomFile(sourcePath('first'), 5000)).path);
      const second = await writeRandomFile(sourcePath('second'), 7000);
      await store.write(id, second.path);
      expect(await sha256OfStream(await store.read(id))).toBe(second.sha256);
      expect((await store.stat(id)).size).toBe(7000);
    });

    it('fails a write whose source is missing, storing nothing', async () => {
      const id = randomUUID();
      await expect(store.write(id, sourcePath('does-not-exist'))).rejects.toThrow();
      await expect(store.stat(id)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    });

    it('writes a spool file from its spoolDirectory', async () => {
      const id = randomUUID();
      await mkdir(store.spoolDirectory, { recursive: true });
      const spool = await writeRandomFile(join(store.spoolDirectory, `upload-${randomUUID()}`), 64 * 1024);
      await store.write(id, spool.path);
      expect(await sha256OfStream(await store.read(id))).toBe(spool.sha256);
    });

    describe('range reads', () => {
      const id = randomUUID();
      let bytes: Buffer;

      beforeAll(async () => {
        const source = await writeRandomFile(sourcePath('ranged'), 100_000);
        bytes = source.bytes;
        await store.write(id, source.path);
      });

      it.each([
        ['the first byte', 0, 0],
        ['a middle slice', 10, 1033],
        ['the last byte', 99_999, 99_999],
        ['a tail', 99_990, 99_999],
      ])('reads %s', async (_, start, end) => {
        const slice = await readAll(await store.read(id, { start, end }));
        expect(slice.equals(bytes.subarray(start, end + 1))).toBe(true);
      });

      it('clamps an end past the last byte, as HTTP does', async () => {
        const slice = await readAll(await store.read(id, { start: 99_000, end: 250_000 }));
        expect(slice.equals(bytes.subarray(99_000))).toBe(true);
      });

      it('rejects a range that starts at or past the end', async () => {
        const error = await store.read(id, { start: 100_000, end: 100_010 }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ByteRangeNotSatisfiableError);
      });

      it('rejects any range of an empty artifact', async () => {
        const emptyId = randomUUID();
        await store.write(emptyId, (await writeRandomFile(sourcePath('empty-ranged'), 0)).path);
        await expect(store.read(emptyId, { start: 0, end: 0 })).rejects.toBeInstanceOf(ByteRangeNotSatisfiableError);
      });

      it.each([
        { start: 5, end: 4 },
        { start: -1, end: 3 },
        { start: 0.5, end: 2 },
      ])('rejects the malformed range %j before any I/O', async (range) => {
        const before = subject.backendRequestCount?.();
        await expect(store.read(id, range)).rejects.toBeInstanceOf(RangeError);
        expect(subject.backendRequestCount?.()).toBe(before);
      });
    });

    it('reports the size, and the etag where the backend has one', async () => {
      const id = randomUUID();
      await store.write(id, (await writeRandomFile(sourcePath('stat'), 12_345)).path);
      const first = await store.stat(id);
      expect(first.size).toBe(12_345);
      if (!subject.hasEtag) {
        expect(first.etag).toBeUndefined();
        return;
      }
      expect(first.etag).toMatch(/^[^"]+$/);
      await store.write(id, (await writeRandomFile(sourcePath('stat-changed'), 12_345)).path);
      expect((await store.stat(id)).etag).not.toBe(first.etag);
    });

    it('reports when the bytes were written', async () => {
      // S3 dates objects to the whole second, and a file's mtime may lag the process clock by a tick.
      const notBefore = Math.floor(Date.now() / 1000) * 1000 - 1000;
      const id = randomUUID();
      await store.write(id, (await writeRandomFile(sourcePath('dated'), 10)).path);
      const { modifiedAt } = await store.stat(id);
      expect(modifiedAt).toBeInstanceOf(Date);
      expect(modifiedAt.getTime()).toBeGreaterThanOrEqual(notBefore);
      expect(modifiedAt.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('removes an artifact', async () => {
      const id = randomUUID();
      await store.write(id, (await writeRandomFile(sourcePath('removed'), 100)).path);
      await store.remove(id);
      await expect(store.read(id)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(store.stat(id)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    });

    it('removes an artifact that is not there without an error (idempotent)', async () => {
      await expect(store.remove(randomUUID())).resolves.toBeUndefined();
    });

    it('reports a missing artifact as ArtifactNotFoundError on read and stat', async () => {
      const id = randomUUID();
      const readError = await store.read(id).catch((caught: unknown) => caught);
      expect(readError).toBeInstanceOf(ArtifactNotFoundError);
      expect((readError as ArtifactNotFoundError).artifactId).toBe(id);
      expect(isArtifactNotFound(readError)).toBe(true);
      const statError = await store.stat(id).catch((caught: unknown) => caught);
      expect(isArtifactNotFound(statError)).toBe(true);
    });

    it('lists stored artifact ids and nothing else', async () => {
      const kept = randomUUID();
      const removed = randomUUID();
      await store.write(kept, (await writeRandomFile(sourcePath('listed'), 10)).path);
      await store.write(removed, (await writeRandomFile(sourcePath('unlisted'), 10)).path);
      await store.remove(removed);
      const listed: string[] = [];
      for await (const id of store.list()) listed.push(id);
      expect(listed).toContain(kept);
      expect(listed).not.toContain(removed);
      expect(listed.every(isValidArtifactId)).toBe(true);
      expect(new Set(listed).size).toBe(listed.length);
    });

    it.each(['read', 'write', 'remove', 'stat'] as const)(
      'rejects ids Optuna does not produce on %s, before any I/O',
      async (method) => {
        const source = await writeRandomFile(sourcePath(`for-invalid-${method}`), 10);
        for (const badId of invalidArtifactIds()) {
          const before = subject.backendRequestCount?.();
          const call =
            method === 'write'
              ? store.write(badId, source.path)
              : method === 'read'
                ? store.read(badId)
                : store[method](badId);
          await expect(call, JSON.stringify(badId)).rejects.toBeInstanceOf(InvalidArtifactIdError);
          expect(subject.backendRequestCount?.()).toBe(before);
        }
      },
    );

    it('removes through Backoff with exactly one backend call', async () => {
      const id = randomUUID();
      await store.write(id, (await writeRandomFile(sourcePath('backoff-removed'), 10)).path);
      const removeSpy = vi.spyOn(store, 'remove');
      try {
        const backoff = new Backoff(store, defaultBackoffConfig, { logger: silentLogger, sleep: async () => {} });
        const before = subject.backendRequestCount?.();
        await backoff.remove(id);
        expect(removeSpy).toHaveBeenCalledTimes(1);
        if (before !== undefined) expect(subject.backendRequestCount?.()).toBe(before + 1);
        await backoff.remove(id);
        expect(removeSpy).toHaveBeenCalledTimes(2);
        await expect(store.stat(id)).rejects.toBeInstanceOf(ArtifactNotFoundError);
      } finally {
        removeSpy.mockRestore();
      }
    });

    it('removes leftover spool files older than the leftover age, and keeps fresh ones', async () => {
      await mkdir(store.spoolDirectory, { recursive: true });
      const leftover = join(store.spoolDirectory, `crashed-${randomUUID()}`);
      const inUse = join(store.spoolDirectory, `in-use-${randomUUID()}`);
      await writeFile(leftover, 'left by a crashed upload');
      await writeFile(inUse, 'another process is uploading this');
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await utimes(leftover, twoDaysAgo, twoDaysAgo);
      await store.removeLeftoverTemporaryFiles();
      await expect(access(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(access(inUse)).resolves.toBeUndefined();
    });

    it('answers checkReachable', async () => {
      await expect(store.checkReachable()).resolves.toBeUndefined();
    });

    it('describes where the bytes go', () => {
      expect(store.describe()).toBe(subject.expectedDescription);
    });
  });
}
