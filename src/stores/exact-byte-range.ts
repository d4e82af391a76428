// Holds an S3-compatible server to the byte range that was asked for. AWS S3 answers ranges
// exactly, but not every compatible server does: s3rver 3.7 serves the whole object for
// `bytes=0-0`, and a broken `bytes 0-0/0` reply instead of 416 for any range of an empty
// object. This checks the reply's Content-Range and cuts off what was not asked for.
import { Readable } from 'node:stream';
import { ByteRangeNotSatisfiableError, type ByteRange } from './artifact-store.js';

export interface RangeReply {
  artifactId: string;
  /** What was asked for. */
  range: ByteRange;
  /** The reply's Content-Range header, e.g. `bytes 0-9/10`; absent when the server sent everything. */
  contentRange: string | undefined;
  /** The reply's Content-Length. */
  contentLength: number | undefined;
}

/**
 * Returns `body` when it holds exactly the requested bytes, a slice of it when it holds
 * more, and throws {@link ByteRangeNotSatisfiableError} when the range starts at or past the
 * end of the object.
 */
export function exactByteRange(body: Readable, reply: RangeReply): Readable {
  const { artifactId, range } = reply;
  let servedStart = 0;
  let servedEnd = (reply.contentLength ?? 0) - 1;
  let total = reply.contentLength;
  const served = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(reply.contentRange ?? '');
  if (served) {
    servedStart = Number(served[1]);
    servedEnd = Number(served[2]);
    total = served[3] === '*' ? undefined : Number(served[3]);
  }
  if (total !== undefined && range.start >= total) {
    body.destroy();
    throw new ByteRangeNotSatisfiableError(artifactId, range);
  }
  const wantedEnd = total === undefined ? range.end : Math.min(range.end, total - 1);
  if (servedStart === range.start && servedEnd === wantedEnd) return body;
  if (servedStart > range.start || servedEnd < wantedEnd) {
    body.destroy();
    throw new Error(
      `the server sent bytes ${servedStart}-${servedEnd} of artifact ${artifactId} for ${range.start}-${wantedEnd}`,
    );
  }
  return Readable.from(sliceOf(body, range.start - servedStart, wantedEnd - range.start + 1), { objectMode: false });
}

/** Skips `skip` bytes, then yields `length` bytes; leaving the loop early destroys the source. */
async function* sliceOf(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  let remaining = length;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const afterSkip = chunk.subarray(Math.min(toSkip, chunk.length));
    toSkip -= chunk.length - afterSkip.length;
    if (afterSkip.length === 0) continue;
    const part = afterSkip.subarray(0, remaining);
    remaining -= part.length;
    yield part;
    if (remaining === 0) return;
  }
}
