// Writes and hashes spool files on a worker thread, so that the event loop, which has to
// receive and parse every byte of an upload, does nothing else with them.
//
// The received chunks are not copied but moved to the worker (their memory is transferred),
// which also keeps them out of the main V8 heap's books: measured on 1 GiB uploads, the main
// heap otherwise saw a young-generation GC every 32 MiB of chunks, each of which, with the
// server's heap (~30 MB) and V8's limits, also set off a full mark-compact; those ~30 full GCs
// per GiB cost the event loop about as much as receiving the bytes. Hashing (SHA-NI, ~0.5 s
// of CPU per GiB) and the writes then run beside the event loop instead of on it.
import { Worker } from 'node:worker_threads';

/**
 * Plain CommonJS, run with `eval`: the worker needs no TypeScript loader (the server runs
 * under tsx, tests under vitest), and no `--import` flags are passed on to it.
 *
 * Messages in, per job id, handled in order:
 *   [id, 0, fd, flushEvery]  take over the open file descriptor: the worker writes, hashes,
 *                            (every `flushEvery` bytes, if > 0, starts an fdatasync) and closes it
 *   [id, 1, ...views]        append these bytes (Uint8Arrays, usually over transferred memory)
 *   [id, 2, size]            the file is complete at `size` bytes: answer [id, 2, sha256 hex]
 *                            once everything is written and the descriptor closed
 *   [id, 3]                  give up: answer [id, 3] once no write runs and the descriptor is closed
 * Messages out: [id, 1, bytesWritten] after each write; [id, 2, hex] (or [id, 2, null, message]
 * when closing failed); [id, 3]; [id, 4, message] when a write or flush failed (the job then
 * waits for [id, 3]).
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { writev, fdatasync, close } = require('node:fs');
const { createHash } = require('node:crypto');
const jobs = new Map();

function pump(id, job) {
  if (job.writing || job.flushing) return;
  if (job.aborted || job.failed) {
    if (!job.aborted) return;
    jobs.delete(id);
    close(job.fd, () => parentPort.postMessage([id, 3]));
    return;
  }
  const views = job.queue.shift();
  if (views === undefined) {
    if (job.size === null) return;
    jobs.delete(id);
    if (job.written !== job.size) return fail(id, job, new Error('wrote ' + job.written + ' bytes, expected ' + job.size));
    const hex = job.hash.digest('hex');
    close(job.fd, (error) => parentPort.postMessage(error ? [id, 2, null, String(error.message)] : [id, 2, hex]));
    return;
  }
  job.writing = true;
  writeViews(id, job, views);
}

function writeViews(id, job, views) {
  writev(job.fd, views, job.written, (error, count) => {
    if (error) {
      job.writing = false;
      return fail(id, job, error);
    }
    job.written += count;
    let total = 0;
    for (const view of views) total += view.byteLength;
    // A regular file takes a whole write unless the disk is full, which then errors.
    if (count < total) return writeViews(id, job, skip(views, count));
    job.writing = false;
    parentPort.postMessage([id, 1, job.written]);
    if (job.flushEvery > 0 && !job.aborted && job.written - job.flushedUpTo >= job.flushEvery) {
      job.flushing = true;
      job.flushedUpTo = job.written;
      fdatasync(job.fd, (flushError) => {
        job.flushing = false;
        if (flushError) return fail(id, job, flushError);
        pump(id, job);
      });
    }
    pump(id, job);
  });
}

// Transferred memory arrives here already allocated, so V8 counts it only as external memory,
// and collects it at the next full GC, when 64 MiB more is outstanding: the server's RSS grew
// by 69 MiB on a 1 GiB upload. Allocating an ArrayBuffer goes through the check that starts
// a (cheap) young-generation GC once young ArrayBuffers hold 32 MiB, which frees them sooner.
function collectEarly() {
  new ArrayBuffer(1);
}

function skip(views, count) {
  const rest = [];
  for (const view of views) {
    if (count >= view.byteLength) { count -= view.byteLength; continue; }
    rest.push(count > 0 ? view.subarray(count) : view);
    count = 0;
  }
  return rest;
}

function fail(id, job, error) {
  if (job.failed) return;
  job.failed = true;
  job.queue = [];
  jobs.set(id, job);
  parentPort.postMessage([id, 4, String(error && error.message || error)]);
  pump(id, job);
}

parentPort.on('message', (message) => {
  const id = message[0];
  const kind = message[1];
  if (kind === 0) {
    jobs.set(id, { fd: message[2], flushEvery: message[3], hash: createHash('sha256'), queue: [], writing: false,
      flushing: false, flushedUpTo: 0, written: 0, size: null, aborted: false, failed: false });
    return;
  }
  const job = jobs.get(id);
  if (job === undefined) return;
  if (kind === 1) {
    collectEarly();
    if (job.failed || job.aborted) return;
    const views = message.slice(2);
    job.queue.push(views);
    pump(id, job);
    for (const view of views) job.hash.update(view);
  } else if (kind === 2) {
    job.size = message[2];
    pump(id, job);
  } else if (kind === 3) {
    job.aborted = true;
    job.queue = [];
    pump(id, job);
  }
});
`;

interface Job {
  onWritten: (bytesWritten: number) => void;
  onFailure: (error: Error) => void;
  finishing?: { resolve: (hex: string) => void; reject: (error: Error) => void };
  onClosed: () => void;
}

let worker: Worker | null = null;
let nextJobId = 1;
const jobs = new Map<number, Job>();

function onMessage(message: [number, number, (number | string | null)?, string?]): void {
  const [id, kind, value, closeFailure] = message;
  const job = jobs.get(id);
  if (job === undefined) return;
  if (kind === 1) job.onWritten(value as number);
  else if (kind === 4) fail(job, new Error(`writing the spool file failed: ${value as string}`));
  else {
    endJob(id);
    job.onClosed();
    if (kind === 2 && value !== null) job.finishing?.resolve(value as string);
    else if (kind === 2) job.finishing?.reject(new Error(`closing the spool file failed: ${closeFailure}`));
  }
}

function fail(job: Job, error: Error): void {
  job.finishing?.reject(error);
  job.onFailure(error);
}

/**
 * The worker died (it should not): every job fails, and counts as closed. Its descriptor is
 * left open rather than closed here, where the worker may have closed it already and the
 * number may belong to another file by now.
 */
function onWorkerGone(this: Worker, error: Error): void {
  if (worker !== this) return;
  worker = null;
  const failed = [...jobs.values()];
  jobs.clear();
  for (const job of failed) {
    fail(job, error);
    job.onClosed();
  }
}

function workerForNewJob(): Worker {
  if (worker === null) {
    // The descriptors it closes were opened on the main thread: not the worker's to track.
    const started = new Worker(workerSource, { eval: true, execArgv: [], name: 'spool writer', trackUnmanagedFds: false });
    started.on('message', onMessage);
    started.on('error', onWorkerGone);
    started.on('exit', function (this: Worker, code) {
      onWorkerGone.call(this, new Error(`the spool writer thread exited (code ${code})`));
    });
    worker = started;
  }
  // Keeps the process alive only while an upload waits for it.
  if (jobs.size === 0) worker.ref();
  return worker;
}

function endJob(id: number): void {
  if (!jobs.delete(id)) return;
  if (jobs.size === 0) worker?.unref();
}

export interface SpoolWriterOptions {
  /** Start an fdatasync whenever this many bytes were written since the last one started (0: never). */
  flushEvery: number;
  /** Called after each write with the bytes in the file so far. */
  onWritten: (bytesWritten: number) => void;
  /** Called when a write or flush failed (a pending `finish()` rejects too); call `abort()` then. */
  onFailure: (error: Error) => void;
}

/** Appends to one file on the worker thread, hashing what it appends. */
export interface SpoolWriter {
  /**
   * Appends the bytes of `views`, in order. Each view whose memory is listed in `transfer`
   * becomes unusable here (zero length) as it moves to the worker.
   */
  append(views: Uint8Array[], transfer: ArrayBuffer[]): void;
  /** Resolves with the sha256 (hex) once all `size` bytes are written and the file is closed; call once. */
  finish(size: number): Promise<string>;
  /** Drops what is not yet written; resolves once the file is closed. */
  abort(): Promise<void>;
  /** Resolves once the worker closed the file, however the job ended. */
  readonly closed: Promise<void>;
}

/** Hands `fd`, open for writing at offset 0, over to the worker: it is closed there. */
export function startSpoolWriter(fd: number, options: SpoolWriterOptions): SpoolWriter {
  const thread = workerForNewJob();
  const id = nextJobId++;
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const job: Job = { onWritten: options.onWritten, onFailure: options.onFailure, onClosed };
  jobs.set(id, job);
  thread.postMessage([id, 0, fd, options.flushEvery]);
  const alive = () => worker === thread && jobs.has(id);
  return {
    closed,
    append(views, transfer) {
      if (alive()) thread.postMessage([id, 1, ...views], transfer);
    },
    finish(size) {
      if (!alive()) return Promise.reject(new Error('the spool writer thread is gone'));
      return new Promise((resolve, reject) => {
        job.finishing = { resolve, reject };
        thread.postMessage([id, 2, size]);
      });
    },
    abort() {
      if (alive()) thread.postMessage([id, 3]);
      return closed;
    },
  };
}
