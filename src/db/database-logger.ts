// Where the database layer reports rows it had to skip (a malformed attribute, say). Each
// problem is reported once per process, not on every request that reads the row.
import type { LogFields, Logger } from '../logger.js';

const maxRememberedProblems = 10_000;

export class OnceLogger {
  private readonly reported = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Warns with `message` unless a problem with the same `problemKey` was reported already. */
  warnOnce(problemKey: string, message: string, fields?: LogFields): void {
    if (this.reported.has(problemKey)) return;
    if (this.reported.size >= maxRememberedProblems) this.reported.clear();
    this.reported.add(problemKey);
    this.logger.warn(message, fields);
  }
}
