// The spool: exact bytes, size and sha256 through the writer thread whatever the chunking,
// several uploads at once, and nothing left behind on any failure.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spoolUpload } from '../../src/artifacts/spool.js';
import { isAppError } from '../../src/errors.js';

const MiB = 1024 * 1024;
const sha256 = (...parts: Uint8Array[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'oag-spool-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/**
 * Chunks as busboy hands them over: most span a whole fresh buffer (a socket read of nothing
 * but file data: moved to the writer thread), some are slices of a shared buffer (copied).
 */
function busboyLikeChunks(total: number): { chunks: Buffer[]; expected: Buffer } {
  const expected = randomBytes(total);
  const chunks: Buffer[] = [];
  let offset = 0;
  let index = 0;
  while (offset < total) {
    const size = Math.min(total - offset, [65_536, 1, 17, 4096, 65_000, 3 * MiB][index % 6]!);
    const piece = expected.subarray(offset, offset + size);
    if (index % 3 === 2) {
      // A slice with bytes before and after it in its buffer.
      const shared = Buffer.alloc(size + 10);
      piece.copy(shared, 5);
      chunks.push(shared.subarray(5, 5 + size));
    } else {
      chunks.push(Buffer.from(piece));
    }
    offset += size;
    index += 1;
  }
  return { chunks, expected };
}

async function spoolFiles(): Promise<string[]> {
  return readdir(directory).catch(() => []);
}

describe('spoolUpload', () => {
  it('writes the exact bytes and their size and sha256, whatever the chunking', async () => {
    const { chunks, expected } = busboyLikeChunks(9 * MiB + 12_345);
    const spooled = await spoolUpload(Readable.from(chunks), directory, 100 * MiB);
    expect(spooled.size).toBe(expected.length);
    expect(spooled.sha256).toBe(sha256(expected));
    expect((await readFile(spooled.path)).equals(expected)).toBe(true);
  });

  it('moves chunks that span their whole buffer to the writer thread instead of copying them', async () => {
    const owned = randomBytes(256 * 1024);
    const expected = sha256(owned);
    const spooled = await spoolUpload(Readable.from([owned]), directory, MiB);
    expect(spooled.sha256).toBe(expected);
    expect(owned.length).toBe(0);
  });

  it('copes with the same buffer handed over twice in a row', async () => {
    const bytes = randomBytes(1000);
    const expected = sha256(bytes, bytes);
    const spooled = await spoolUpload(Readable.from([bytes, bytes]), directory, MiB);
    expect(spooled.sha256).toBe(expected);
    expect(spooled.size).toBe(2000);
  });

  it('spools an empty file', async () => {
    const spooled = await spoolUpload(Readable.from([]), directory, MiB);
    expect(spooled.size).toBe(0);
    expect(spooled.sha256).toBe(sha256());
    expect((await readFile(spooled.path)).length).toBe(0);
  });

  it('flushes to disk along the way when asked, with the same result', async () => {
    const { chunks, expected } = busboyLikeChunks(40 * MiB);
    const spooled = await spoolUpload(Readable.from(chunks), directory, 100 * MiB, { flushWhileWriting: true });
    expect(spooled.sha256).toBe(sha256(expected));
    expect((await readFile(spooled.path)).equals(expected)).toBe(true);
  });

  it('keeps several uploads apart on the shared writer thread', async () => {
    const uploads = [0, 1, 2, 3, 4].map(() => busboyLikeChunks(3 * MiB + Math.floor(Math.random() * MiB)));
    const spooled = await Promise.all(
      uploads.map(({ chunks }) => spoolUpload(Readable.from(chunks), directory, 100 * MiB)),
    );
    for (const [index, { expected }] of uploads.entries()) {
      expect(spooled[index]!.sha256).toBe(sha256(expected));
      expect((await readFile(spooled[index]!.path)).equals(expected)).toBe(true);
    }
  });

  it('accepts exactly maxBytes', async () => {
    const bytes = randomBytes(100_000);
    const spooled = await spoolUpload(Readable.from([Buffer.from(bytes)]), directory, 100_000);
    expect(spooled.size).toBe(100_000);
    expect(spooled.sha256).toBe(sha256(bytes));
  });

  it('refuses a byte more than maxBytes with PAYLOAD_TOO_LARGE, removes the spool file and drains the source', async () => {
    const { chunks } = busboyLikeChunks(5 * MiB);
    const source = Readable.from(chunks);
    const error = await spoolUpload(source, directory, 2 * MiB).catch((caught: unknown) => caught);
    expect(isAppError(error) && error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await spoolFiles()).toEqual([]);
    await new Promise((resolve) => (source.readableEnded ? resolve(null) : source.once('end', resolve)));
  });

  it('refuses a stream the parser cut short at its own limit', async () => {
    const source = new PassThrough();
    const spooling = spoolUpload(source, directory, 100 * MiB);
    source.write(randomBytes(1000));
    // busboy cuts the file short after the spool took over the stream.
    setTimeout(() => source.emit('limit'), 50);
    const error = await spooling.catch((caught: unknown) => caught);
    expect(isAppError(error) && error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await spoolFiles()).toEqual([]);
  });

  it('refuses a stream the parser marked truncated', async () => {
    const source = Readable.from([randomBytes(1000)]);
    (source as Readable & { truncated?: boolean }).truncated = true;
    const error = await spoolUpload(source, directory, 100 * MiB).catch((caught: unknown) => caught);
    expect(isAppError(error) && error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await spoolFiles()).toEqual([]);
  });

  it('fails with the source’s error and removes the spool file', async () => {
    const source = new PassThrough();
    const spooling = spoolUpload(source, directory, 100 * MiB);
    source.write(randomBytes(3 * MiB));
    setTimeout(() => source.destroy(new Error('client went away')), 20);
    await expect(spooling).rejects.toThrow('client went away');
    expect(await spoolFiles()).toEqual([]);
  });
});
