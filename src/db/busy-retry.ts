// Keeps the event loop free while another process holds SQLite's lock. Work runs at once,
// synchronously, under a busy timeout of a few milliseconds; when SQLite still answers
// SQLITE_BUSY / SQLITE_LOCKED, the work waits on a timer (other requests run meanwhile) and is
// tried again, until its deadline, when it fails with DATABASE_UNAVAILABLE.
import Database from 'better-sqlite3';
import { DatabaseUnavailableError } from './database-errors.js';

/**
 * The busy timeout of the connection once it serves: SQLite sleeps inside the call, blocking
 * the event loop, so only long enough to absorb a commit of another process (a millisecond or
 * two) without the detour through a timer.
 */
export const statementBusyTimeoutMs = 5;

/** The first wait after a failed try; it doubles per failure up to `maxDelayMs`. */
const firstDelayMs = 2;
/** Long locks are looked at 20 times a second: each try may sleep up to the busy timeout. */
const maxDelayMs = 50;

/** True for SQLite's "another connection holds the lock" answers (any extended code of them). */
export function isLockedError(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(current.code)) return true;
  }
  return false;
}

interface Waiter {
  /** Runs the work and settles its promise; false when the lock is still held. */
  tryRun(): boolean;
  giveUp(error: Error): void;
  giveUpAt: number;
}

/**
 * One queue of work waiting for a lock (the server keeps one for reads and one for writes:
 * another process's write transaction blocks only our writes, unless it is EXCLUSIVE). Work
 * that arrives while others wait queues behind them: trying it first would only meet the lock
 * again, and would overtake them. Only the oldest is tried on each timer, so a thousand
 * waiting requests cost the event loop no more than one.
 */
export class BusyRetry {
  private readonly waiters: Waiter[] = [];
  private delayMs = firstDelayMs;
  private cancelScheduled: (() => void) | undefined;
  private closed = false;

  constructor(
    /** How long work may wait for the lock before it fails with DATABASE_UNAVAILABLE. */
    private readonly timeoutMs: number,
  ) {}

  /**
   * Runs `work` (SQLite work that can be repeated as a whole) now or once the lock is free. Work
   * that meets the lock as it is called (a synchronous throw) queues at once, in arrival order;
   * work whose promise fails on the lock later (a statement after an `await`) queues then.
   */
  run<Result>(work: () => Result | Promise<Result>): Promise<Result> {
    const giveUpAt = Date.now() + this.timeoutMs;
    if (this.waiters.length === 0) {
      try {
        return this.outcome(work(), work, giveUpAt);
      } catch (error) {
        if (!isLockedError(error)) return Promise.reject(error);
      }
    }
    return this.enqueue(work, giveUpAt);
  }

  private enqueue<Result>(work: () => Result | Promise<Result>, giveUpAt: number): Promise<Result> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<Result>((resolve, reject) => {
      this.waiters.push({
        giveUpAt,
        tryRun: () => {
          try {
            resolve(this.outcome(work(), work, giveUpAt));
          } catch (error) {
            if (isLockedError(error)) return false;
            reject(error);
          }
          return true;
        },
        giveUp: reject,
      });
      if (this.cancelScheduled === undefined) this.retryAfter(this.delayMs);
    });
  }

  /** What `work` returned, as a promise; one that fails on the lock queues the work again, with its deadline. */
  private outcome<Result>(
    returned: Result | Promise<Result>,
    work: () => Result | Promise<Result>,
    giveUpAt: number,
  ): Promise<Result> {
    if (!(returned instanceof Promise)) return Promise.resolve(returned);
    return returned.catch((error: unknown) => {
      if (!isLockedError(error)) throw error;
      return this.enqueue(work, giveUpAt);
    });
  }

  /** Fails every waiting work, and work that would wait from now on (the connection is closing). */
  close(): void {
    this.closed = true;
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.giveUp(closedError());
  }

  private retryAfter(delayMs: number): void {
    const timer = setTimeout(() => this.retryOldest(), delayMs);
    this.cancelScheduled = () => clearTimeout(timer);
  }

  private retryOldest(): void {
    this.cancelScheduled = undefined;
    const oldest = this.waiters[0];
    if (oldest === undefined) return;
    if (oldest.tryRun()) {
      this.waiters.shift();
      this.delayMs = firstDelayMs;
      // The lock is free: the rest run one per turn of the event loop, so a long queue never
      // holds it for long.
      if (this.waiters.length > 0) {
        const immediate = setImmediate(() => this.retryOldest());
        this.cancelScheduled = () => clearImmediate(immediate);
      }
      return;
    }
    this.giveUpOverdue(Date.now());
    this.delayMs = this.waiters.length > 0 ? Math.min(this.delayMs * 2, maxDelayMs) : firstDelayMs;
    if (this.waiters.length > 0) this.retryAfter(this.delayMs);
  }

  private giveUpOverdue(now: number): void {
    let kept = 0;
    for (const waiter of this.waiters) {
      if (waiter.giveUpAt <= now) {
        waiter.giveUp(
          new DatabaseUnavailableError(
            `The database is locked by another process; gave up after waiting ${this.timeoutMs / 1000} s. Retry later.`,
          ),
        );
      } else {
        this.waiters[kept++] = waiter;
      }
    }
    this.waiters.length = kept;
  }
}

const closedError = () => new DatabaseUnavailableError('The database connection was closed');
