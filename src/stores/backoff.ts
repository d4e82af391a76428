// Optuna's Backoff middleware (optuna/artifacts/_backoff.py), with its parameters and delay
// schedule, minus its defects: it retries only transient failures, adds full jitter, honours
// Retry-After, and stops `remove` after the first success. It is the only retry layer: the
// adapters' SDK clients are built with their own retries switched off.
import type { Readable } from 'node:stream';
import { defaultBackoffConfig, type BackoffConfig } from '../config/config.js';
import type {
  ArtifactStat,
  ArtifactStore,
  ByteRange,
  PresignedDownloadOptions,
  StagedUploads,
} from './artifact-store.js';
import { describeError } from '../error-text.js';
import { logger as processLogger, type Logger } from '../logger.js';
import { classifyFailure } from './transient-failure.js';

export interface BackoffOptions {
  /** Receives one warning per retry. @default the server's logger */
  logger?: Logger;
  /**
   * Waits the given number of milliseconds. Tests inject one that records the delays.
   * @default a global `setTimeout`, so vitest's fake timers control it too
   */
  sleep?: (milliseconds: number) => Promise<void>;
  /**
   * Uniform random number in [0, 1), for the jitter.
   * @default Math.random
   */
  random?: () => number;
}

type Operation = 'read' | 'write' | 'remove' | 'stat';

const sleepWithTimer = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Wraps a store so that transient failures (connection errors, timeouts, 408, 429, 5xx,
 * throttling) of `read`, `write`, `remove` and `stat` are retried up to `maxRetries` times.
 *
 * Before retry n (0-based) it sleeps a uniformly random time under Optuna's cap
 * `min(minDelay * multiplier ** n, maxDelay)` seconds ("full jitter", so that clients that
 * failed together do not retry together), or longer when the server sent `Retry-After`
 * (never longer than `maxDelay`). Not-found, auth (401/403), invalid ids and other
 * permanent errors are thrown at once.
 *
 * `maxRetries` counts retries after the first attempt, so the default makes at most 11
 * calls with the ten sleeps Optuna documents (0.1 s … 25.6 s, 30 s); Optuna's own loop
 * makes one call fewer than its name says.
 *
 * `read` retries opening the stream; a failure in the middle of a stream reaches the reader.
 * `list`, `checkReachable`, `createMissingFolder` and `removeLeftoverTemporaryFiles` are not
 * retried: the first is a long scan the caller can rerun, the others report the present state
 * at start-up.
 */
export class Backoff implements ArtifactStore {
  readonly backend: ArtifactStore;
  readonly config: Readonly<BackoffConfig>;
  private readonly logger: Logger;
  private readonly sleep: (milliseconds: number) => Promise<void>;
  private readonly random: () => number;

  constructor(backend: ArtifactStore, config: BackoffConfig = defaultBackoffConfig, options: BackoffOptions = {}) {
    assertValidBackoffConfig(config);
    this.backend = backend;
    this.config = { ...config };
    this.logger = options.logger ?? processLogger;
    this.sleep = options.sleep ?? sleepWithTimer;
    this.random = options.random ?? Math.random;
  }

  get spoolDirectory(): string {
    return this.backend.spoolDirectory;
  }

  localFilePath(artifactId: string): string | undefined {
    return this.backend.localFilePath?.(artifactId);
  }

  // Staged uploads are driven by their client, who retries a failed request itself.
  get stagedUploads(): StagedUploads | undefined {
    return this.backend.stagedUploads;
  }

  get presignedDownloadUrl():
    ((artifactId: string, options: PresignedDownloadOptions) => Promise<string | undefined>) | undefined {
    return this.backend.presignedDownloadUrl?.bind(this.backend);
  }

  read(artifactId: string, range?: ByteRange): Promise<Readable> {
    return this.withRetries('read', artifactId, () => this.backend.read(artifactId, range));
  }

  // Each attempt hands the backend the path again, so it re-reads the source from the start.
  write(artifactId: string, sourcePath: string): Promise<void> {
    return this.withRetries('write', artifactId, () => this.backend.write(artifactId, sourcePath));
  }

  // Returns after the first success (Optuna's loop kept deleting until it failed).
  remove(artifactId: string): Promise<void> {
    return this.withRetries('remove', artifactId, () => this.backend.remove(artifactId));
  }

  stat(artifactId: string): Promise<ArtifactStat> {
    return this.withRetries('stat', artifactId, () => this.backend.stat(artifactId));
  }

  list(): AsyncIterable<string> {
    return this.backend.list();
  }

  checkReachable(): Promise<void> {
    return this.backend.checkReachable();
  }

  async createMissingFolder(): Promise<void> {
    await this.backend.createMissingFolder?.();
  }

  removeLeftoverTemporaryFiles(): Promise<void> {
    return this.backend.removeLeftoverTemporaryFiles();
  }

  describe(): string {
    return this.backend.describe();
  }

  /** Optuna's cap on the sleep before retry `retryIndex` (0-based), in seconds. */
  delayCapSeconds(retryIndex: number): number {
    const { minDelay, multiplier, maxDelay } = this.config;
    return Math.min(minDelay * multiplier ** retryIndex, maxDelay);
  }

  private delayBeforeRetrySeconds(retryIndex: number, retryAfterSeconds: number | undefined): number {
    const jittered = this.random() * this.delayCapSeconds(retryIndex);
    if (retryAfterSeconds === undefined) return jittered;
    return Math.max(jittered, Math.min(retryAfterSeconds, this.config.maxDelay));
  }

  private async withRetries<T>(operation: Operation, artifactId: string, call: () => Promise<T>): Promise<T> {
    const maxAttempts = this.config.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = classifyFailure(error);
        if (!failure.transient || attempt >= maxAttempts) throw error;
        const delaySeconds = this.delayBeforeRetrySeconds(attempt - 1, failure.retryAfterSeconds);
        this.logger.warn('artifact store call failed, retrying', {
          operation,
          artifactId,
          attempt,
          maxAttempts,
          delaySeconds: Math.round(delaySeconds * 1000) / 1000,
          ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }),
          error: describeError(error),
        });
        await this.sleep(delaySeconds * 1000);
      }
    }
  }
}

/** Throws one clear line, naming the command-line flag, for a config Backoff cannot use. */
export function assertValidBackoffConfig(config: BackoffConfig): void {
  const { maxRetries, multiplier, minDelay, maxDelay } = config;
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) {
    throw new Error(`--backoff-max-retries must be a whole number >= 0, got ${maxRetries}`);
  }
  if (!Number.isFinite(multiplier) || multiplier <= 0) {
    throw new Error(`--backoff-multiplier must be a number > 0, got ${multiplier}`);
  }
  if (!Number.isFinite(minDelay) || minDelay < 0) {
    throw new Error(`--backoff-min-delay must be a number of seconds >= 0, got ${minDelay}`);
  }
  if (!Number.isFinite(maxDelay) || maxDelay < minDelay) {
    throw new Error(`--backoff-max-delay must be a number of seconds >= --backoff-min-delay, got ${maxDelay}`);
  }
}
