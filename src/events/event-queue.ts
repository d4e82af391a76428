// One subscriber's queue: events pushed synchronously by the publisher, pulled by the
// transport at its own pace. Not a Repeater or an async generator, on purpose: those run
// their setup lazily on the first next(), and skip their cleanup when return() comes first —
// a subscriber must be listening from the moment it is created, and stop listening however
// it ends.

export class EventQueue<Item> implements AsyncIterableIterator<Item> {
  private readonly buffered: Item[] = [];
  private waiting: { resolve: (result: IteratorResult<Item>) => void; reject: (error: unknown) => void } | undefined;
  private finished = false;
  /** A wake-up of the waiting transport is scheduled (see scheduleWake). */
  private wakeScheduled = false;
  private failure: Error | undefined;

  /**
   * @param limit how many undelivered items may pile up; one more ends the iteration with an
   *   error (a stuck client must not make the server hold an unbounded queue for it).
   * @param onEnd runs once, however the iteration ends (return(), throw(), overflow).
   */
  constructor(
    private readonly limit: number,
    private readonly onEnd: () => void,
  ) {}

  push(item: Item): void {
    if (this.finished) return;
    // The item a scheduled wake-up hands to the waiting transport is not backlog.
    if (this.buffered.length - (this.wakeScheduled ? 1 : 0) >= this.limit) {
      this.fail(
        new Error(
          `the subscriber fell ${this.limit} events behind; resubscribe with the cursor of the last event received`,
        ),
      );
      return;
    }
    this.buffered.push(item);
    if (this.waiting !== undefined && !this.wakeScheduled) {
      this.wakeScheduled = true;
      scheduleWake(() => this.wake());
    }
  }

  private wake(): void {
    this.wakeScheduled = false;
    if (this.waiting === undefined || this.buffered.length === 0) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ value: this.buffered.shift()!, done: false });
  }

  /** Ends the iteration with `error` at once; queued items are dropped (the client resumes from its last cursor). */
  fail(error: Error): void {
    if (this.finished) return;
    this.end();
    this.buffered.length = 0;
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(error);
    } else {
      this.failure = error;
    }
  }

  next(): Promise<IteratorResult<Item>> {
    if (this.buffered.length > 0) return Promise.resolve({ value: this.buffered.shift()!, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Item>> {
    this.end();
    this.buffered.length = 0;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<Item>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.onEnd();
  }
}

/**
 * Waiting transports are woken a batch per turn of the event loop, not all in the publisher's
 * own step: each woken subscriber executes its selection and writes to its socket, and with
 * thousands of them that is hundreds of milliseconds during which nothing else (the upload that
 * published the event, waiting for its answer; other requests) would run.
 */
const wakesPerTurn = 100;
const dueWakes: (() => void)[] = [];

function scheduleWake(wake: () => void): void {
  dueWakes.push(wake);
  if (dueWakes.length === 1) setImmediate(runDueWakes);
}

function runDueWakes(): void {
  for (const wake of dueWakes.splice(0, wakesPerTurn)) wake();
  if (dueWakes.length > 0) setImmediate(runDueWakes);
}
