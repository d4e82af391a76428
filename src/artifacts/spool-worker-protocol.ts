// The messages between the spool writer (./spool-worker.ts, on the main thread) and its thread
// (./spool-worker-thread.ts). Types only: both sides import them, neither at run time.

/** Numbers the jobs (one per spool file) that share the one thread. */
export type SpoolJobId = number;

/** To the thread; handled in order per job. */
export type ToSpoolThread =
  /**
   * Take over `fd`, open for writing at offset 0: the thread writes, hashes, (every
   * `flushEvery` bytes, if > 0, starts an fdatasync) and closes it.
   */
  | { kind: 'open'; job: SpoolJobId; fd: number; flushEvery: number }
  /** Append these bytes, usually over memory transferred with the message. */
  | { kind: 'append'; job: SpoolJobId; views: Uint8Array[] }
  /** The file is complete at `size` bytes: answer `finished` once all is written and the descriptor closed. */
  | { kind: 'finish'; job: SpoolJobId; size: number }
  /** Give up: answer `aborted` once no write runs and the descriptor is closed. */
  | { kind: 'abort'; job: SpoolJobId };

/** From the thread. */
export type FromSpoolThread =
  /** After each write: the bytes in the file so far. */
  | { kind: 'written'; job: SpoolJobId; bytesWritten: number }
  /** All bytes written and the descriptor closed (the job is over). */
  | { kind: 'finished'; job: SpoolJobId; sha256: string }
  /** All bytes written, but closing the descriptor failed (the job is over). */
  | { kind: 'closeFailed'; job: SpoolJobId; message: string }
  /** The descriptor is closed after `abort` (the job is over). */
  | { kind: 'aborted'; job: SpoolJobId }
  /** A write or flush failed, or the size did not match: the job waits for `abort`. */
  | { kind: 'failed'; job: SpoolJobId; message: string };
