// Loggers for tests: one that keeps what it is told (to assert on what was reported), one that drops it.
import type { LogFields, Logger, LogLevel } from '../../src/logger.js';

export interface LoggedEntry {
  level: LogLevel;
  message: string;
  fields?: LogFields;
}

/** A Logger that hands every entry to `record`. */
export function recordingLogger(record: (entry: LoggedEntry) => void): Logger {
  const at = (level: LogLevel) => (message: string, fields?: LogFields) =>
    record(fields === undefined ? { level, message } : { level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A Logger that pushes its warnings (message and fields) onto `warnings` and drops the rest. */
export function warningsInto(warnings: { message: string; fields?: LogFields }[]): Logger {
  return recordingLogger(({ level, message, fields }) => {
    if (level === 'warn') warnings.push(fields === undefined ? { message } : { message, fields });
  });
}

export const silentLogger: Logger = recordingLogger(() => {});
