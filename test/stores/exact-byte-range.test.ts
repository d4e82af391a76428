import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteRangeNotSatisfiableError } from '../../src/stores/artifact-store.js';
import { exactByteRange } from '../../src/stores/exact-byte-range.js';
import { readAll } from './artifact-bytes.js';

const object = Buffer.from('0123456789');
const artifactId = randomUUID();
/** The object's bytes from..to (inclusive), in small chunks like a socket delivers them. */
const servedBytes = (from: number, to: number): Readable =>
  Readable.from([object.subarray(from, from + 3), object.subarray(from + 3, to + 1)]);

describe('exactByteRange', () => {
  it('passes an exact 206 reply through untouched', () => {
    const body = servedBytes(2, 5);
    const result = exactByteRange(body, {
      artifactId,
      range: { start: 2, end: 5 },
      contentRange: 'bytes 2-5/10',
      contentLength: 4,
    });
    expect(result).toBe(body);
  });

  it('accepts an end clamped by the server', () => {
    const body = servedBytes(8, 9);
    expect(
      exactByteRange(body, {
        artifactId,
        range: { start: 8, end: 50 },
        contentRange: 'bytes 8-9/10',
        contentLength: 2,
      }),
    ).toBe(body);
  });

  it("cuts off bytes past the requested end (s3rver's bytes=0-0)", async () => {
    const result = exactByteRange(servedBytes(0, 9), {
      artifactId,
      range: { start: 0, end: 0 },
      contentRange: 'bytes 0-9/10',
      contentLength: 10,
    });
    expect((await readAll(result)).toString()).toBe('0');
  });

  it('slices a 200 reply from a server that ignored the Range header', async () => {
    const result = exactByteRange(servedBytes(0, 9), {
      artifactId,
      range: { start: 4, end: 6 },
      contentRange: undefined,
      contentLength: 10,
    });
    expect((await readAll(result)).toString()).toBe('456');
  });

  it('reports a range of an empty object as not satisfiable, whatever the server claimed', () => {
    const reply = { artifactId, range: { start: 0, end: 0 }, contentRange: 'bytes 0-0/0', contentLength: 1 };
    expect(() => exactByteRange(Readable.from([]), reply)).toThrow(ByteRangeNotSatisfiableError);
  });

  it('refuses a reply that starts after the requested start', () => {
    const reply = { artifactId, range: { start: 1, end: 5 }, contentRange: 'bytes 3-5/10', contentLength: 3 };
    expect(() => exactByteRange(servedBytes(3, 5), reply)).toThrow(/sent bytes 3-5/);
  });
});
