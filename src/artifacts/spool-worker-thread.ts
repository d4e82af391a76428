// The spool writer thread: writes and hashes the bytes of each spool file handed over by
// ./spool-worker.ts, and closes its descriptor (why a thread: see there).
import { createHash, type Hash } from 'node:crypto';
import { close, fdatasync, writev } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromSpoolThread, SpoolJobId, ToSpoolThread } from './spool-worker-protocol.js';

if (parentPort === null) throw new Error('spool-worker-thread runs only as a worker thread (see spool-worker.ts)');
const port = parentPort;

interface Job {
  readonly id: SpoolJobId;
  readonly fd: number;
  readonly flushEvery: number;
  readonly hash: Hash;
  /** Appended batches not yet written, oldest first. */
  queue: Uint8Array[][];
  writing: boolean;
  flushing: boolean;
  /** Bytes written when the last fdatasync started. */
  flushedUpTo: number;
  written: number;
  /** Set by `finish`: the size the file must end up with. */
  size: number | null;
  aborted: boolean;
  failed: boolean;
}

const jobs = new Map<SpoolJobId, Job>();

function send(message: FromSpoolThread): void {
  port.postMessage(message);
}

/** Starts the job's next step unless a write or flush is running: a write, the close after the last one, or the close after an abort. */
function pump(job: Job): void {
  if (job.writing || job.flushing) return;
  if (job.aborted) {
    jobs.delete(job.id);
    close(job.fd, () => send({ kind: 'aborted', job: job.id }));
    return;
  }
  // A failed job waits for the abort that the main thread answers the failure with.
  if (job.failed) return;
  const views = job.queue.shift();
  if (views === undefined) {
    if (job.size === null) return;
    jobs.delete(job.id);
    if (job.written !== job.size) {
      fail(job, new Error(`wrote ${job.written} bytes, expected ${job.size}`));
      return;
    }
    const sha256 = job.hash.digest('hex');
    close(job.fd, (error) =>
      send(
        error
          ? { kind: 'closeFailed', job: job.id, message: error.message }
          : { kind: 'finished', job: job.id, sha256 },
      ),
    );
    return;
  }
  job.writing = true;
  writeViews(job, views);
}

function writeViews(job: Job, views: Uint8Array[]): void {
  writev(job.fd, views, job.written, (error, count) => {
    if (error) {
      job.writing = false;
      fail(job, error);
      return;
    }
    job.written += count;
    let total = 0;
    for (const view of views) total += view.byteLength;
    // A regular file takes a whole write unless the disk is full, which then errors.
    if (count < total) {
      writeViews(job, skip(views, count));
      return;
    }
    job.writing = false;
    send({ kind: 'written', job: job.id, bytesWritten: job.written });
    if (job.flushEvery > 0 && !job.aborted && job.written - job.flushedUpTo >= job.flushEvery) {
      job.flushing = true;
      job.flushedUpTo = job.written;
      fdatasync(job.fd, (flushError) => {
        job.flushing = false;
        if (flushError) fail(job, flushError);
        else pump(job);
      });
    }
    pump(job);
  });
}

/**
 * Transferred memory arrives here already allocated, so V8 counts it only as external memory,
 * and collects it at the next full GC, when 64 MiB more is outstanding: the server's RSS grew
 * by 69 MiB on a 1 GiB upload. Allocating an ArrayBuffer goes through the check that starts
 * a (cheap) young-generation GC once young ArrayBuffers hold 32 MiB, which frees them sooner.
 */
function collectEarly(): void {
  new ArrayBuffer(1);
}

/** The views without their first `count` bytes. */
function skip(views: Uint8Array[], count: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let toSkip = count;
  for (const view of views) {
    if (toSkip >= view.byteLength) {
      toSkip -= view.byteLength;
      continue;
    }
    rest.push(toSkip > 0 ? view.subarray(toSkip) : view);
    toSkip = 0;
  }
  return rest;
}

function fail(job: Job, error: Error): void {
  if (job.failed) return;
  job.failed = true;
  job.queue = [];
  // Kept (or put back, after the size check) so that the abort that follows finds it.
  jobs.set(job.id, job);
  send({ kind: 'failed', job: job.id, message: error.message });
  pump(job);
}

port.on('message', (message: ToSpoolThread) => {
  if (message.kind === 'open') {
    jobs.set(message.job, {
      id: message.job,
      fd: message.fd,
      flushEvery: message.flushEvery,
      hash: createHash('sha256'),
      queue: [],
      writing: false,
      flushing: false,
      flushedUpTo: 0,
      written: 0,
      size: null,
      aborted: false,
      failed: false,
    });
    return;
  }
  const job = jobs.get(message.job);
  if (job === undefined) return;
  switch (message.kind) {
    case 'append':
      collectEarly();
      if (job.failed || job.aborted) return;
      job.queue.push(message.views);
      pump(job);
      // Hashed while the write runs on libuv's pool: both only read the bytes.
      for (const view of message.views) job.hash.update(view);
      return;
    case 'finish':
      job.size = message.size;
      pump(job);
      return;
    case 'abort':
      job.aborted = true;
      job.queue = [];
      pump(job);
      return;
  }
});
