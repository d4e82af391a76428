import { randomBytes, randomUUID } from 'node:crypto';
import { access, lstat, mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ArtifactNotFoundError } from '../../src/stores/artifact-store.js';
import { FileSystemArtifactStore } from '../../src/stores/filesystem-store.js';
import { readWithOptunaFileSystemStore, writeWithOptunaFileSystemStore } from '../support/python-optuna-store.js';
import {
  makeTemporaryDirectory,
  sha256Of,
  sha256OfStream,
  writeRandomFile,
  type TemporaryDirectory,
} from './artifact-bytes.js';
import { describeArtifactStoreContract } from './artifact-store-contract.js';

describeArtifactStoreContract('FileSystemArtifactStore', async () => {
  const base = await makeTemporaryDirectory('fs-store-contract-');
  return {
    store: new FileSystemArtifactStore(base.path),
    expectedDescription: pathToFileURL(base.path).href,
    hasEtag: false,
    close: base.remove,
  };
});

describe('FileSystemArtifactStore', () => {
  let base: TemporaryDirectory;
  let store: FileSystemArtifactStore;

  beforeAll(async () => {
    base = await makeTemporaryDirectory('fs-store-');
    store = new FileSystemArtifactStore(base.path);
    await store.checkReachable();
    // As the upload pipeline does before its first spool file: nothing else creates it.
    await mkdir(store.spoolDirectory);
  });

  afterAll(() => base.remove());

  const temporaryFilesIn = async (folder: string): Promise<string[]> =>
    (await readdir(folder)).filter((name) => name.endsWith('.tmp'));

  it("keeps the bytes at <base>/<artifact_id>, Optuna's layout", async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(base.path, 'outside-spool'), 10_000);
    await store.write(id, source.path);
    expect((await readFile(join(base.path, id))).equals(source.bytes)).toBe(true);
  });

  it.skipIf(!inject('pythonOptuna'))("writes what Optuna's FileSystemArtifactStore reads", async () => {
    const id = randomUUID();
    const spool = await writeRandomFile(join(store.spoolDirectory, randomUUID()), 2 * 1024 * 1024 + 3);
    await store.write(id, spool.path);
    expect(await readWithOptunaFileSystemStore(base.path, id)).toEqual({
      size: spool.bytes.length,
      sha256: spool.sha256,
    });
  });

  it.skipIf(!inject('pythonOptuna'))("reads what Optuna's FileSystemArtifactStore writes", async () => {
    const id = randomUUID();
    const source = await writeRandomFile(join(base.path, 'written-by-optuna'), 300_000);
    const written = await writeWithOptunaFileSystemStore(base.path, id, source.path);
    expect(written.sha256).toBe(source.sha256);
    expect(await sha256OfStream(await store.read(id))).toBe(source.sha256);
  });

  it("dates the bytes by the file's mtime", async () => {
    const id = randomUUID();
    await store.write(id, (await writeRandomFile(join(base.path, 'dated-source'), 10)).path);
    const lastYear = new Date('2025-06-01T12:00:00.000Z');
    await utimes(join(base.path, id), lastYear, lastYear);
    expect((await store.stat(id)).modifiedAt).toEqual(lastYear);
  });

  it('turns a spool file into the artifact without copying its bytes (a hard link)', async () => {
    const id = randomUUID();
    const spool = await writeRandomFile(join(store.spoolDirectory, randomUUID()), 1000);
    await store.write(id, spool.path);
    expect((await stat(join(base.path, id))).ino).toBe((await stat(spool.path)).ino);
  });

  it('copies a symlinked source instead of storing the link', async () => {
    const id = randomUUID();
    const target = await writeRandomFile(join(base.path, 'link-target'), 5000);
    const link = join(base.path, 'source-link');
    await symlink(target.path, link);
    await store.write(id, link);
    const stored = await lstat(join(base.path, id));
    expect(stored.isFile()).toBe(true);
    expect(stored.ino).not.toBe((await stat(target.path)).ino);
    expect(sha256Of(await readFile(join(base.path, id)))).toBe(target.sha256);
  });

  it('never shows a partly written artifact under its final name', async () => {
    const id = randomUUID();
    const size = 32 * 1024 * 1024;
    // A symlinked source takes the copy path, the slow one where a torn write could show.
    const target = await writeRandomFile(join(base.path, 'big-target'), size);
    const link = join(base.path, 'big-link');
    await symlink(target.path, link);
    const sizesSeen: number[] = [];
    let writing = true;
    const watcher = (async () => {
      while (writing) {
        const seen = await stat(join(base.path, id)).catch(() => undefined);
        if (seen) sizesSeen.push(seen.size);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await store.write(id, link).finally(() => {
      writing = false;
    });
    await watcher;
    expect(sizesSeen.every((seenSize) => seenSize === size)).toBe(true);
    expect(await temporaryFilesIn(base.path)).toEqual([]);
  });

  it('leaves neither a temporary file nor a changed source when the final rename fails', async () => {
    const id = randomUUID();
    // A non-empty folder under the artifact's name makes rename(2) fail.
    await mkdir(join(base.path, id, 'occupied'), { recursive: true });
    const source = await writeRandomFile(join(store.spoolDirectory, randomUUID()), 1000);
    await expect(store.write(id, source.path)).rejects.toThrow();
    expect(await temporaryFilesIn(base.path)).toEqual([]);
    expect(sha256Of(await readFile(source.path))).toBe(source.sha256);
  });

  it('treats a folder under an artifact name as no artifact', async () => {
    const id = randomUUID();
    await mkdir(join(base.path, id));
    await expect(store.read(id)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await expect(store.stat(id)).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('lists only artifact files: not temporary files, the spool folder, or other names', async () => {
    const id = randomUUID();
    await store.write(id, (await writeRandomFile(join(base.path, 'listed-source'), 10)).path);
    await writeFile(join(base.path, `.${randomUUID()}.0123456789ab.tmp`), 'half');
    await writeFile(join(base.path, 'README'), 'not an artifact');
    await mkdir(join(base.path, randomUUID()));
    const listed: string[] = [];
    for await (const listedId of store.list()) listed.push(listedId);
    expect(listed).toContain(id);
    for (const listedId of listed) expect((await lstat(join(base.path, listedId))).isFile()).toBe(true);
  });

  it("removes stale temporary files from the base folder but nobody else's files", async () => {
    const staleTemporary = join(base.path, `.${randomUUID()}.${randomBytes(6).toString('hex')}.tmp`);
    const freshTemporary = join(base.path, `.${randomUUID()}.${randomBytes(6).toString('hex')}.tmp`);
    const someonesDotfile = join(base.path, '.keep');
    const artifactId = randomUUID();
    await store.write(artifactId, (await writeRandomFile(join(base.path, 'kept-artifact'), 10)).path);
    const longAgo = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    for (const path of [staleTemporary, freshTemporary, someonesDotfile]) await writeFile(path, 'x');
    for (const path of [staleTemporary, someonesDotfile, join(base.path, artifactId)])
      await utimes(path, longAgo, longAgo);
    await store.removeLeftoverTemporaryFiles();
    await expect(access(staleTemporary)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(access(freshTemporary)).resolves.toBeUndefined();
    await expect(access(someonesDotfile)).resolves.toBeUndefined();
    await expect(access(join(base.path, artifactId))).resolves.toBeUndefined();
  });

  it('creates a missing base folder in createMissingFolder, and nothing inside it', async () => {
    const fresh = new FileSystemArtifactStore(join(base.path, 'not', 'there', 'yet'));
    await fresh.createMissingFolder();
    await fresh.checkReachable();
    expect(await readdir(fresh.basePath)).toEqual([]);
    expect(fresh.spoolDirectory).toBe(join(fresh.basePath, '.spool'));
  });

  it('creates nothing in checkReachable and the start-up clean-up (the spool folder waits for an upload)', async () => {
    const empty = join(base.path, `empty-${randomUUID()}`);
    await mkdir(empty);
    const fresh = new FileSystemArtifactStore(empty);
    await fresh.checkReachable();
    await fresh.removeLeftoverTemporaryFiles();
    expect(await readdir(empty)).toEqual([]);

    const missing = new FileSystemArtifactStore(join(base.path, `missing-${randomUUID()}`));
    await expect(missing.checkReachable()).rejects.toThrow(/is not usable/);
    await expect(access(missing.basePath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects checkReachable with one line when the base path is a file', async () => {
    const file = join(base.path, 'a-file');
    await writeFile(file, 'x');
    const error = await new FileSystemArtifactStore(file).checkReachable().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('\n');
  });
});
