// PostgreSQL's artifact write channel (server/server-dialect.ts ArtifactWriteChannel): NOTIFY
// inside the writing transaction (delivered when it commits, never for a rollback), and LISTEN on
// one dedicated connection per instance, made again after an outage with a growing delay.
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { describeError } from '../../error-text.js';
import type { Logger } from '../../logger.js';
import { redactUrlPasswords } from '../../redact-secrets.js';
import { artifactWriteChannel } from '../server/artifact-write-notices.js';
import type { ArtifactWriteChannel } from '../server/server-dialect.js';

/** Delay before the first reconnection attempt, doubled per failure up to the maximum. */
const firstRetryMs = 100;
const maxRetryMs = 5000;

export class PostgresqlArtifactWriteChannel implements ArtifactWriteChannel {
  constructor(
    /** The settings of the pool's connections (a listening connection cannot be pooled). */
    private readonly settings: pg.ClientConfig,
    private readonly logger: Logger,
  ) {}

  notify(payload: string): SQL {
    return sql`SELECT pg_notify(${artifactWriteChannel}, ${payload})`;
  }

  async listen(onPayload: (payload: string | null) => void): Promise<() => Promise<void>> {
    let stopped = false;
    /** The connection listening, or being made to listen. */
    let current: pg.Client | undefined;
    let listening = false;
    let retryTimer: NodeJS.Timeout | undefined;
    let retryMs = firstRetryMs;
    let lostSome = false;

    const connect = async (): Promise<void> => {
      const candidate = new pg.Client(this.settings);
      current = candidate;
      candidate.on('notification', (message) => {
        if (message.channel === artifactWriteChannel && message.payload !== undefined) onPayload(message.payload);
      });
      candidate.on('error', (error) => dropped(candidate, error));
      candidate.on('end', () => dropped(candidate, undefined));
      try {
        await candidate.connect();
        await candidate.query(`LISTEN ${artifactWriteChannel}`);
      } catch (error) {
        dropped(candidate, error);
        return;
      }
      if (stopped || current !== candidate) {
        await candidate.end().catch(() => undefined);
        return;
      }
      listening = true;
      retryMs = firstRetryMs;
      // Writes committed while nobody listened went unheard: the watcher looks at once.
      if (lostSome) onPayload(null);
      lostSome = false;
    };

    const dropped = (candidate: pg.Client, error: unknown): void => {
      if (stopped || candidate !== current) return;
      if (listening) {
        this.logger.warn('the PostgreSQL connection listening for artifact writes broke; reconnecting', {
          error: redactUrlPasswords(describeError(error ?? 'connection ended')),
        });
      }
      current = undefined;
      listening = false;
      lostSome = true;
      candidate.removeAllListeners('end');
      candidate.end().catch(() => undefined);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        void connect();
      }, retryMs);
      retryTimer.unref();
      retryMs = Math.min(retryMs * 2, maxRetryMs);
    };

    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retryTimer);
      const last = current;
      current = undefined;
      await last?.end().catch(() => undefined);
    };
  }
}
