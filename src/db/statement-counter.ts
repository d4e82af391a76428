// Counts the SQL statements the server runs (a drizzle logger). Tests use it to prove that a
// query's statement count does not grow with the page size (no N+1).
import type { Logger } from 'drizzle-orm/logger';

export type StatementListener = (sqlText: string) => void;

export class StatementCounter implements Logger {
  /** Statements executed since the database was opened. */
  count = 0;
  private readonly listeners = new Set<StatementListener>();

  logQuery(query: string): void {
    this.count += 1;
    for (const listener of this.listeners) listener(query);
  }

  /** Calls `listener` with the text of every statement from now on; returns the unsubscribe. */
  onStatement(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
