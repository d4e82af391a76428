// Test files for the transfer benchmarks: made fast, hashed on the way, compared by sha256.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { MiB } from './units.js';

/**
 * Writes `size` bytes: one random 1 MiB block repeated, each copy stamped with its index and
 * `seed`, so no two MiB (and no two files with different seeds) are alike. Returns the sha256.
 */
export async function writeTestFile(path: string, size: number, seed = 0): Promise<string> {
  const block = randomFillSync(Buffer.alloc(MiB));
  const hash = createHash('sha256');
  const handle = await open(path, 'wx');
  try {
    for (let offset = 0, index = 0; offset < size; index += 1) {
      const chunk = block.subarray(0, Math.min(MiB, size - offset));
      if (chunk.length >= 8) {
        chunk.writeUInt32LE(index, 0);
        chunk.writeUInt32LE(seed, 4);
      }
      hash.update(chunk);
      await handle.write(chunk, 0, chunk.length);
      offset += chunk.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
