// Test helpers for artifact bytes: random source files, digests of streams and files.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface SourceFile {
  path: string;
  bytes: Buffer;
  sha256: string;
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `size` random bytes to `path` (a spool file, as the upload pipeline would). */
export async function writeRandomFile(path: string, size: number): Promise<SourceFile> {
  const bytes = randomBytes(size);
  await writeFile(path, bytes);
  return { path, bytes, sha256: sha256Of(bytes) };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Hashes a stream without holding it in memory. */
export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const sha256OfFile = (path: string): Promise<string> => sha256OfStream(createReadStream(path));

export interface TemporaryDirectory {
  path: string;
  remove(): Promise<void>;
}

export async function makeTemporaryDirectory(prefix: string): Promise<TemporaryDirectory> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
