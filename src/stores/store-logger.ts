// The small logger the stores take, so tests can capture what Backoff and the adapters report.

export interface StoreLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Writes one JSON line per message to stderr, the server's log format. */
export const jsonLinesStderrLogger: StoreLogger = {
  warn(message, fields) {
    process.stderr.write(
      `${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: message, ...fields })}\n`,
    );
  },
};

/** A one-line description of an error for a log field. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const codeText = typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : '';
    return `${error.name}${codeText}: ${error.message.split('\n')[0] ?? ''}`;
  }
  return String(error);
}
