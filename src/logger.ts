// The server's one logger: a JSON line per event on stderr, {time, level, message, ...fields},
// easy to read in a terminal and to parse in a log pipeline. Secrets never reach the line.
import { describeError } from './error-text.js';
import { redactSecrets } from './redact-secrets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** What every module that reports something takes; tests pass one that records. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface CreateLoggerOptions {
  /**
   * Events below this level are dropped.
   * @default 'info': debug lines are for tracking down a problem, not for every day's log
   */
  minimumLevel?: LogLevel;
  /** Where each finished line goes. @default process.stderr */
  writeLine?: (line: string) => void;
}

/** A logger writing JSON lines. An Error given as a field value is written as its description. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const minimumRank = levelRank[options.minimumLevel ?? 'info'];
  const writeLine = options.writeLine ?? ((line: string) => void process.stderr.write(line));
  const log =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      if (levelRank[level] < minimumRank) return;
      const readable = Object.fromEntries(
        Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? describeError(value) : value]),
      );
      const event = redactSecrets({ ...readable, time: new Date().toISOString(), level, message }) as LogFields;
      // The fixed fields first, so every line starts the same way.
      const { time, level: eventLevel, message: eventMessage, ...rest } = event;
      writeLine(`${JSON.stringify({ time, level: eventLevel, message: eventMessage, ...rest })}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The process's logger (debug lines off). */
export const logger: Logger = createLogger();
