// Connections the server drops while they sit idle in the pool (wait_timeout, a proxy, an
// administrator's KILL) are invisible: the next read and the next write succeed on fresh ones.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { parseStorageUrl, type ServerDatabaseLocation } from '../../src/config/storage-url.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { OptunaDatabase } from '../../src/db/optuna-database.js';
import { databaseUser } from '../support/database-user.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { silentLogger } from '../support/recording-logger.js';

let database: OptunaDatabase;
let databaseName: string;

beforeAll(async () => {
  const url = await createMariadbDatabase('dropped');
  databaseName = (parseStorageUrl(url) as ServerDatabaseLocation).database;
  database = await openDatabase(parseStorageUrl(url), { poolSize: 3, logger: silentLogger });
});
afterAll(() => database.close());

/** Kills every connection of the test user to this database, as the server does to idle ones; how many. */
async function killPooledConnections(): Promise<number> {
  const root = await mysql.createConnection({ socketPath: inject('mariadbServer').socketPath, user: 'root' });
  try {
    const [rows] = await root.query<({ id: number } & mysql.RowDataPacket)[]>(
      'SELECT id FROM information_schema.processlist WHERE user = ? AND db = ?',
      [databaseUser.name, databaseName],
    );
    for (const { id } of rows) await root.query('KILL CONNECTION ?', [id]);
    return rows.length;
  } finally {
    await root.end();
  }
}

test('a read and a write after the server killed every idle pooled connection succeed', async () => {
  await Promise.all([database.studies.count(), database.studies.count(), database.studies.count()]);
  expect(await killPooledConnections()).toBeGreaterThan(0);

  expect(await database.studies.count()).toBe(0);
  expect(await killPooledConnections()).toBeGreaterThan(0);
  const study = await database.studyWrites.create('after-kill', ['MINIMIZE']);
  expect(await database.studies.byIds([study.studyId])).toEqual([study]);
});
