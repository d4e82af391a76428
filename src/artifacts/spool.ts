// Streams an uploaded file into a spool file while counting bytes and computing sha256, so the
// store write can be retried from the start and the metadata can carry size and hash.
//
// The event loop only counts the received chunks and moves them, in batches of about 512 KiB,
// to the spool writer thread (./spool-worker.ts), which writes and hashes them.
import { randomUUID } from 'node:crypto';
import { closeSync, open } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { payloadTooLarge } from '../errors.js';
import { ownerTag } from '../stores/file-owner.js';
import { startSpoolWriter, type SpoolWriter } from './spool-worker.js';

export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
}

export interface SpoolOptions {
  /**
   * Starts writing the spool file back to disk while the upload is still arriving, for stores
   * that flush it to disk when storing it (the filesystem store fsyncs its hard link to the
   * spool): their fsync then finds little left to write, instead of the whole file at once
   * after the last byte arrived (about a quarter of the upload's time for 1 GiB).
   */
  flushWhileWriting?: boolean;
  /**
   * Aborting gives the upload up: the spool fails with the signal's reason, its file is removed
   * and the rest of the source is drained.
   */
  signal?: AbortSignal;
}

/** Spool files are named so that start-up cleanup can recognise them. */
export const spoolFilePrefix = 'upload-';

/**
 * Received chunks go to the writer thread in batches of about this many bytes, each written
 * with one writev. Measured on 1 GiB: 512 KiB writes cost the kernel about a third of the CPU
 * of 64 KiB ones (one per socket chunk); from 1 MiB on, the page cache's bigger folios made
 * them slower again, up to 8x on the benchmark machine (a VM whose free memory goes back to
 * the host).
 */
const batchSize = 512 * 1024;
/**
 * Bytes received but not yet written at which an upload stops taking chunks (and so stops
 * reading the request) until the writer catches up: the memory an upload may hold. 2 MiB
 * measured faster than 1 MiB for one upload; with many at once, each gets a share of
 * `unwrittenBytesBudget`, down to one batch (50 concurrent uploads: 25 MiB, not 100 MiB).
 */
const maxUnwrittenBytes = 2 * 1024 * 1024;
const unwrittenBytesBudget = 16 * 1024 * 1024;
let activeSinks = 0;
const unwrittenBytesAllowed = (): number =>
  Math.max(batchSize, Math.min(maxUnwrittenBytes, Math.floor(unwrittenBytesBudget / activeSinks)));

/** With `flushWhileWriting`, an fdatasync starts whenever this much was written since the last one started. */
const flushInterval = 32 * 1024 * 1024;

/**
 * Copies `source` to a new file in `directory`. Fails with PAYLOAD_TOO_LARGE beyond
 * `maxBytes` — also when the multipart parser silently truncated the stream at its own limit —
 * and removes the partial spool file on every failure.
 *
 * Takes the chunks it reads from `source`: one that spans its whole ArrayBuffer is moved to
 * the writer thread and is empty (detached) afterwards, so the source must not hand the same
 * memory out twice. busboy's file streams, the only source, hand out fresh slices of fresh
 * socket reads.
 */
export async function spoolUpload(
  source: Readable,
  directory: string,
  maxBytes: number,
  options: SpoolOptions = {},
): Promise<SpooledFile> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, `${spoolFilePrefix}${ownerTag()}-${randomUUID()}`);
  const fd = await new Promise<number>((resolve, reject) =>
    open(path, 'wx', 0o666, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const tooLarge = () => payloadTooLarge(`the file is larger than the ${maxBytes}-byte limit (--max-file-size)`);
  let sink: SpoolSink;
  try {
    sink = new SpoolSink(fd, maxBytes, tooLarge, options.flushWhileWriting === true ? flushInterval : 0);
  } catch (error) {
    // The writer thread could not start: nothing owns the descriptor yet.
    closeSync(fd);
    drain(source);
    await rm(path, { force: true });
    throw error;
  }
  // The source is piped rather than put in a pipeline: on failure it must keep flowing
  // (drained to the end of its part) instead of being destroyed, or the multipart parser
  // would stall waiting on it and the client would never get its answer.
  const spoolWrite = finished(sink);
  const onSourceError = (error: Error) => sink.destroy(error);
  // A parser may cut a file short at a limit of its own (busboy emits `limit` and flags the
  // stream `truncated`, and graphql-upload-minimal unpipes it): a file too large, too; end the
  // spool here or it would wait forever for the rest.
  const onParserLimit = () => sink.destroy(tooLarge());
  const onAbort = () => sink.destroy(options.signal?.reason as Error);
  source.once('error', onSourceError);
  source.once('limit', onParserLimit);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  // The source may have failed while the spool file was being opened (a body that ends
  // inside the file part arrives in one piece): piping it would wait forever.
  else if (source.errored !== null) onSourceError(source.errored);
  else if (source.destroyed) onSourceError(new Error('the upload stream was closed before its end'));
  source.pipe(sink);
  try {
    await spoolWrite;
    if ((source as Readable & { truncated?: boolean }).truncated === true) throw tooLarge();
  } catch (error) {
    source.unpipe(sink);
    drain(source);
    sink.destroy();
    // No write of this upload may land after the removal.
    await sink.fileClosed;
    await rm(path, { force: true });
    throw error;
  } finally {
    source.off('error', onSourceError);
    source.off('limit', onParserLimit);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { path, size: sink.size, sha256: sink.sha256 };
}

/** Reads and discards what is left of an upload stream, so the request around it can finish. */
export function drain(stream: Readable): void {
  if (stream.destroyed || stream.readableEnded) return;
  stream.on('error', () => {});
  stream.resume();
}

type WriteCallback = (error?: Error | null) => void;

/**
 * Counts what is written to it and hands it to the spool writer thread; finishes once the
 * last byte is in the file (not necessarily on disk), the file is closed and `sha256` known.
 */
class SpoolSink extends Writable {
  size = 0;
  sha256 = '';
  /** Resolves once the file descriptor is closed, however the sink ended. */
  readonly fileClosed: Promise<void>;
  private readonly writer: SpoolWriter;
  /** Chunks received and not yet handed to the writer. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private sendScheduled = false;
  /** Bytes handed to the writer, and of those, written. */
  private sentBytes = 0;
  private writtenBytes = 0;
  /** The callback of the chunk that reached this upload's share of unwritten bytes, held back until the writer catches up. */
  private waiting: WriteCallback | null = null;

  constructor(
    fd: number,
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error,
    flushEvery: number,
  ) {
    super();
    this.writer = startSpoolWriter(fd, {
      flushEvery,
      onWritten: (bytesWritten) => {
        this.writtenBytes = bytesWritten;
        if (this.waiting !== null && this.unwrittenBytes() < unwrittenBytesAllowed()) {
          const callback = this.waiting;
          this.waiting = null;
          callback();
        }
      },
      onFailure: (error) => this.destroy(error),
    });
    this.fileClosed = this.writer.closed;
    activeSinks += 1;
    void this.fileClosed.then(() => (activeSinks -= 1));
  }

  private unwrittenBytes(): number {
    return this.sentBytes + this.pendingBytes - this.writtenBytes;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(this.tooLarge());
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.unwrittenBytes() >= unwrittenBytesAllowed()) {
      // Held until a write ends, so what is held must go to the writer, full batch or not.
      this.waiting = callback;
      this.scheduleSend();
      return;
    }
    if (this.pendingBytes >= batchSize) this.scheduleSend();
    callback();
  }

  /**
   * Sends on the next tick, not now: the chunk may be a slice of a buffer the multipart parser
   * is still reading (it hands over file data while it scans a buffer), and sending moves
   * that memory away. By the next tick the parser is done with it.
   */
  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    process.nextTick(() => {
      this.sendScheduled = false;
      if (!this.destroyed) this.sendPending();
    });
  }

  private sendPending(): void {
    if (this.pending.length === 0) return;
    const views: Uint8Array[] = [];
    const transfer = new Set<ArrayBuffer>();
    let bytes = 0;
    for (const chunk of this.pending) {
      // A chunk that spans its whole buffer is the only view of it (a socket read in which
      // the multipart parser found nothing but file data), so its memory can move. Any other
      // chunk shares its buffer (with part headers, a boundary, other chunks or Buffer's
      // pool): it is copied.
      const buffer = chunk.buffer;
      const owned =
        buffer instanceof ArrayBuffer &&
        chunk.byteOffset === 0 &&
        chunk.byteLength === buffer.byteLength &&
        !transfer.has(buffer);
      const view = owned ? chunk : copyOf(chunk);
      views.push(view);
      transfer.add(view.buffer as ArrayBuffer);
      bytes += view.byteLength;
    }
    // A chunk whose memory already moved away reads as empty: fail rather than lose its bytes.
    if (bytes !== this.pendingBytes) {
      this.destroy(new Error('an upload chunk was reused after it had been handed over'));
      return;
    }
    this.sentBytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.writer.append(views, [...transfer]);
  }

  override _final(callback: WriteCallback): void {
    // See scheduleSend: the last chunk may still be under the parser's eyes in this tick.
    process.nextTick(() => {
      if (this.destroyed) return;
      this.sendPending();
      this.writer.finish(this.size).then((sha256) => {
        this.sha256 = sha256;
        callback();
      }, callback);
    });
  }

  override _destroy(error: Error | null, callback: WriteCallback): void {
    this.waiting = null;
    this.pending = [];
    this.pendingBytes = 0;
    this.writer.abort().then(
      () => callback(error),
      (abortError: Error) => callback(error ?? abortError),
    );
  }
}

function copyOf(chunk: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(chunk.length);
  chunk.copy(copy);
  return copy;
}
