// The SQLite adapter while ANOTHER PROCESS holds the database's lock: work waits (on timers, not
// inside SQLite), goes on once the lock is free, and gives up with DATABASE_UNAVAILABLE at the
// busy timeout. Reads and writes wait apart: another writer blocks only our writes.
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BusyRetry } from '../../src/db/busy-retry.js';
import { OwnerNotFoundError } from '../../src/db/database-errors.js';
import { sqliteReads } from '../../src/db/sqlite-query-sql.js';
import { openOptunaDatabase, type SqliteOptunaDatabase } from '../../src/db/sqlite-database.js';
import { temporaryDirectory } from '../support/fixture.js';
import { holdDatabaseLock, type HeldLock } from '../support/lock-holder.js';
import { DatabaseUnavailableError } from '../../src/db/database-errors.js';

let folder: ReturnType<typeof temporaryDirectory>;
let path: string;
let database: SqliteOptunaDatabase;
let lock: HeldLock | undefined;

beforeEach(async () => {
  folder = temporaryDirectory();
  path = join(folder.directory, 'optuna.db');
  database = openOptunaDatabase(path, { busyTimeoutMs: 60_000 });
  await database.studyWrites.create('before the lock', ['MINIMIZE']);
});

afterEach(async () => {
  await lock?.release();
  lock = undefined;
  await database.close();
  folder.remove();
});

/** A promise with a flag saying whether it has settled yet. */
function tracked<Value>(promise: Promise<Value>): { promise: Promise<Value>; settled: () => boolean } {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  promise.then(settle, settle);
  return { promise, settled: () => settled };
}

const studyNames = () =>
  database.orm
    .all<{ study_name: string }>(sql`SELECT study_name FROM studies ORDER BY study_id`)
    .map((row) => row.study_name);

test('a write waits for the other writer, reads go on meanwhile, and the write commits once after the release', async () => {
  lock = await holdDatabaseLock(path, 'IMMEDIATE');
  const writing = tracked(database.studyWrites.create('during the lock', ['MAXIMIZE']));
  // Reads are not queued behind the waiting write: the other process only holds the write lock.
  expect(await database.studies.count()).toBe(1);
  expect(await database.studies.idByName('before the lock')).not.toBeNull();
  expect(writing.settled()).toBe(false);

  await lock.release();
  expect(await writing.promise).toMatchObject({ name: 'during the lock', directions: ['MAXIMIZE'] });
  expect(studyNames()).toEqual(['before the lock', 'during the lock']);
});

test('under an EXCLUSIVE lock reads wait too, in order, and all answer once it is released', async () => {
  lock = await holdDatabaseLock(path, 'EXCLUSIVE');
  const answers: string[] = [];
  const reads = [
    database.studies.count().then((count) => answers.push(`count ${count}`)),
    database.studies.idByName('before the lock').then((id) => answers.push(`id ${id}`)),
    database.checkReadable().then(() => answers.push('readable')),
  ];
  // A transaction that fails for its own reason after the wait is not tried again.
  const writeFails = expect(database.trialWrites.create(999)).rejects.toEqual(new OwnerNotFoundError('study', 999));
  // Turns of the event loop go by while they wait: nothing sleeps inside SQLite.
  for (let turn = 0; turn < 100; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  expect(answers).toEqual([]);

  await lock.release();
  await Promise.all(reads);
  expect(answers).toEqual(['count 1', 'id 1', 'readable']);
  await writeFails;
});

test('read work that meets the lock only after an await (a rejected promise, not a throw) waits too, and answers after the release', async () => {
  const reads = sqliteReads(database.orm, new BusyRetry(60_000));
  lock = await holdDatabaseLock(path, 'EXCLUSIVE');
  const counting = tracked(
    reads(async (db) => {
      await Promise.resolve();
      return (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM studies`))?.n;
    }),
  );
  for (let turn = 0; turn < 100; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  expect(counting.settled()).toBe(false);

  await lock.release();
  expect(await counting.promise).toBe(1);
});

test('work still waiting at the busy timeout fails as unavailable (DATABASE_UNAVAILABLE to clients), and nothing of it is written', async () => {
  const impatient = openOptunaDatabase(path, { busyTimeoutMs: 200 });
  try {
    lock = await holdDatabaseLock(path, 'EXCLUSIVE');
    await expect(impatient.studies.count()).rejects.toThrow(DatabaseUnavailableError);
    await expect(impatient.studies.count()).rejects.toThrow(/locked by another process/);
    await expect(impatient.studyWrites.create('never', ['MINIMIZE'])).rejects.toThrow(DatabaseUnavailableError);
    await expect(impatient.checkReadable()).rejects.toThrow(DatabaseUnavailableError);
    await lock.release();
    lock = undefined;
    expect(await impatient.studies.count()).toBe(1);
    expect(studyNames()).toEqual(['before the lock']);
  } finally {
    await impatient.close();
  }
});

test('closing the database fails the work still waiting for a lock', async () => {
  lock = await holdDatabaseLock(path, 'EXCLUSIVE');
  const waiting = database.studies.count();
  await database.close();
  await expect(waiting).rejects.toThrow(DatabaseUnavailableError);
  await lock.release();
  lock = undefined;
  database = openOptunaDatabase(path);
});
