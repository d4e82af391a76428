// Streams an uploaded file into a spool file while counting bytes and computing sha256, so the
// store write can be retried from the start and the metadata can carry size and hash.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { payloadTooLarge } from '../errors.js';
import { ownerTag } from '../stores/file-owner.js';

export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
}

/** Spool files are named so that start-up cleanup can recognise them. */
export const spoolFilePrefix = 'upload-';

/**
 * Bigger writes than the default 16 KiB: fewer syscalls on multi-GiB uploads (measured in
 * `npm run bench`), still bounded memory.
 */
const spoolWriteHighWaterMark = 1024 * 1024;

/**
 * Copies `source` to a new file in `directory`. Fails with PAYLOAD_TOO_LARGE beyond
 * `maxBytes` — also when the multipart parser silently truncated the stream at its own limit —
 * and removes the partial spool file on every failure.
 */
export async function spoolUpload(source: Readable, directory: string, maxBytes: number): Promise<SpooledFile> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, `${spoolFilePrefix}${ownerTag()}-${randomUUID()}`);
  const hash = createHash('sha256');
  let size = 0;
  const tooLarge = () => payloadTooLarge(`the file is larger than the ${maxBytes}-byte limit (--max-file-size)`);
  const countAndHash = new Transform({
    highWaterMark: spoolWriteHighWaterMark,
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(tooLarge());
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  // The source is piped rather than put in the pipeline: on failure it must keep flowing
  // (drained to the end of its part) instead of being destroyed, or the multipart parser
  // would stall waiting on it and the client would never get its answer.
  const spoolWrite = pipeline(countAndHash, createWriteStream(path, { flags: 'wx', highWaterMark: spoolWriteHighWaterMark }));
  const onSourceError = (error: Error) => countAndHash.destroy(error);
  // busboy emits `limit` when it cuts a file short at its own limit (set one byte above ours,
  // so ours normally fires first); graphql-upload-minimal then unpipes the stream, so end the
  // spool here or it would wait forever for the rest.
  const onParserLimit = () => countAndHash.destroy(tooLarge());
  source.once('error', onSourceError);
  source.once('limit', onParserLimit);
  source.pipe(countAndHash);
  try {
    await spoolWrite;
    if ((source as Readable & { truncated?: boolean }).truncated === true) throw tooLarge();
  } catch (error) {
    source.unpipe(countAndHash);
    drain(source);
    await rm(path, { force: true });
    throw error;
  } finally {
    source.off('error', onSourceError);
    source.off('limit', onParserLimit);
  }
  return { path, size, sha256: hash.digest('hex') };
}

/** Reads and discards what is left of an upload stream, so the request around it can finish. */
export function drain(stream: Readable): void {
  if (stream.destroyed || stream.readableEnded) return;
  stream.on('error', () => {});
  stream.resume();
}
