// The one logger: one JSON line per event with one field set, debug lines off by default, and
// no secret ever written, whichever field it hides in.
import { expect, test } from 'vitest';
import { parseStorageUrl } from '../src/config/storage-url.js';
import { createLogger, type LogLevel } from '../src/logger.js';
import { redactSecrets } from '../src/redact-secrets.js';

/** The parsed lines a logger writes. */
function loggerWritingInto(lines: Record<string, unknown>[], minimumLevel?: LogLevel) {
  return createLogger({ minimumLevel, writeLine: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
}

test('each event is one JSON line of {time, level, message, ...fields}', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = loggerWritingInto(lines);
  logger.warn('artifact store call failed, retrying', { attempt: 2, level: 'not mine', message: 'not mine either' });
  expect(lines).toEqual([
    {
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      level: 'warn',
      message: 'artifact store call failed, retrying',
      attempt: 2,
    },
  ]);
  expect(Object.keys(lines[0]!).slice(0, 3)).toEqual(['time', 'level', 'message']);
});

test('debug lines are written only when enabled', () => {
  const quiet: Record<string, unknown>[] = [];
  loggerWritingInto(quiet).debug('details');
  expect(quiet).toEqual([]);
  const verbose: Record<string, unknown>[] = [];
  loggerWritingInto(verbose, 'debug').debug('details');
  expect(verbose).toEqual([expect.objectContaining({ level: 'debug', message: 'details' })]);
});

test('an Error in a field is written as its one-line description', () => {
  const lines: Record<string, unknown>[] = [];
  loggerWritingInto(lines).error('request failed', {
    error: Object.assign(new Error('connect refused\nmore'), { code: 'ECONNREFUSED' }),
  });
  expect(lines[0]).toMatchObject({ error: 'Error [ECONNREFUSED]: connect refused' });
});

test('fields named like secrets are redacted and URL passwords replaced, at any depth', () => {
  const lines: Record<string, unknown>[] = [];
  loggerWritingInto(lines).info('started', {
    storage: 'postgresql://u:p%40ss@h/db',
    authorization: 'Bearer abc',
    nested: { sessionToken: 'xyz', urls: ['https://me:hunter2@example.com/x', 'https://example.com/plain'] },
    note: 'could not reach mysql://root:p@ss@db:3306/optuna in time',
  });
  expect(lines[0]).toMatchObject({
    storage: 'postgresql://u:***@h/db',
    authorization: '***',
    nested: { sessionToken: '***', urls: ['https://me:***@example.com/x', 'https://example.com/plain'] },
    note: 'could not reach mysql://root:***@db:3306/optuna in time',
  });
  expect(JSON.stringify(lines)).not.toMatch(/p%40ss|hunter2|abc|xyz|p@ss/);
});

test('redactSecrets leaves what is not a secret as it is', () => {
  expect(redactSecrets({ artifactId: 'a', size: 3, ok: true, none: null })).toEqual({
    artifactId: 'a',
    size: 3,
    ok: true,
    none: null,
  });
});

test('a storage URL refused at start-up is named without its password', () => {
  expect(() => parseStorageUrl('postgresql://u:p%40ss@h:99999/db')).toThrow(
    'storage URL "postgresql://u:***@h:99999/db"',
  );
});
