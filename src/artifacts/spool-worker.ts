// Writes and hashes spool files on a worker thread, so that the event loop, which has to
// receive and parse every byte of an upload, does nothing else with them.
//
// The received chunks are not copied but moved to the worker (their memory is transferred),
// which also keeps them out of the main V8 heap's books: measured on 1 GiB uploads, the main
// heap otherwise saw a young-generation GC every 32 MiB of chunks, each of which, with the
// server's heap (~30 MB) and V8's limits, also set off a full mark-compact; those ~30 full GCs
// per GiB cost the event loop about as much as receiving the bytes. Hashing (SHA-NI, ~0.5 s
// of CPU per GiB) and the writes then run beside the event loop instead of on it.
//
// This is the main thread's side; the thread runs ./spool-worker-thread.ts, and the messages
// between them are typed in ./spool-worker-protocol.ts.
import { Worker } from 'node:worker_threads';
import type { FromSpoolThread, SpoolJobId, ToSpoolThread } from './spool-worker-protocol.js';

interface Job {
  onWritten: (bytesWritten: number) => void;
  onFailure: (error: Error) => void;
  finishing?: { resolve: (hex: string) => void; reject: (error: Error) => void };
  onClosed: () => void;
}

let worker: Worker | null = null;
let nextJobId = 1;
const jobs = new Map<SpoolJobId, Job>();

function onMessage(message: FromSpoolThread): void {
  const job = jobs.get(message.job);
  if (job === undefined) return;
  switch (message.kind) {
    case 'written':
      job.onWritten(message.bytesWritten);
      return;
    case 'failed':
      fail(job, new Error(`writing the spool file failed: ${message.message}`));
      return;
    case 'finished':
    case 'closeFailed':
    case 'aborted':
      endJob(message.job);
      job.onClosed();
      if (message.kind === 'finished') job.finishing?.resolve(message.sha256);
      else if (message.kind === 'closeFailed')
        job.finishing?.reject(new Error(`closing the spool file failed: ${message.message}`));
      return;
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

/**
 * The thread's module, and the node flags to run it with (none of the parent's are passed on).
 * Compiled into dist/ (what `npm start` runs), this module is JavaScript and the thread's is its
 * .js sibling. Run from the sources (vitest, `npm run dev` under tsx), this module is a .ts file,
 * and so is the thread's: the thread first registers tsx's loader itself, since `--import tsx`
 * registers it only on the main thread on Node 20 (it cannot tell a worker from the loader
 * hooks' own thread there).
 */
function spoolThreadModule(): { module: URL; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts'))
    return { module: new URL('./spool-worker-thread.js', import.meta.url), execArgv: [] };
  // Resolved from here, so that it does not depend on the working directory.
  const registerTsx = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register();`;
  return {
    module: new URL('./spool-worker-thread.ts', import.meta.url),
    execArgv: ['--import', `data:text/javascript,${encodeURIComponent(registerTsx)}`],
  };
}

function workerForNewJob(): Worker {
  if (worker === null) {
    const { module, execArgv } = spoolThreadModule();
    // The descriptors it closes were opened on the main thread: not the worker's to track.
    const started = new Worker(module, { execArgv, name: 'spool writer', trackUnmanagedFds: false });
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

function endJob(id: SpoolJobId): void {
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
  // Typed, so that only messages the thread understands can be sent.
  const post = (message: ToSpoolThread, transfer: ArrayBuffer[] = []) => thread.postMessage(message, transfer);
  const id = nextJobId++;
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const job: Job = { onWritten: options.onWritten, onFailure: options.onFailure, onClosed };
  jobs.set(id, job);
  post({ kind: 'open', job: id, fd, flushEvery: options.flushEvery });
  const alive = () => worker === thread && jobs.has(id);
  return {
    closed,
    append(views, transfer) {
      if (alive()) post({ kind: 'append', job: id, views }, transfer);
    },
    finish(size) {
      if (!alive()) return Promise.reject(new Error('the spool writer thread is gone'));
      return new Promise((resolve, reject) => {
        job.finishing = { resolve, reject };
        post({ kind: 'finish', job: id, size });
      });
    },
    abort() {
      if (alive()) post({ kind: 'abort', job: id });
      return closed;
    },
  };
}
