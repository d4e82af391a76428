// A deadlock between a write of this server and another client's transaction on MariaDB: InnoDB
// rolls back the lighter one (ER_LOCK_DEADLOCK 1213); when it is ours, the transaction runs again
// as a whole and the caller sees only its result, never the deadlock.
import mysql from 'mysql2/promise';
import { afterEach, expect, test } from 'vitest';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { OptunaDatabase } from '../../src/db/optuna-database.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { silentLogger } from '../support/recording-logger.js';
import { waitUntil } from '../support/wait-until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test('finishTrial that deadlocks with another client is run again and succeeds', async () => {
  const url = await createMariadbDatabase('deadlock');
  const database: OptunaDatabase = await openDatabase(parseStorageUrl(url), { logger: silentLogger });
  cleanups.push(() => database.close());
  const study = await database.studyWrites.create('deadlock', ['MINIMIZE']);
  const trial = await database.trialWrites.create(study.studyId);
  const other = await mysql.createConnection(url);
  cleanups.push(() => other.end());

  // A value row of the running trial exists (as a crashed tell might leave it) ...
  await other.query(`INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, 1, 'FINITE')`, [
    trial.trialId,
  ]);
  // ... and the other client, whose transaction has written much (InnoDB rolls back the lighter
  // one of a deadlock: ours), holds it locked ...
  await other.query('START TRANSACTION');
  for (let index = 0; index < 50; index += 1) {
    await other.query('INSERT INTO study_user_attributes (study_id, `key`, value_json) VALUES (?, ?, ?)', [
      study.studyId,
      `key-${index}`,
      '1',
    ]);
  }
  await other.query('SELECT value FROM trial_values WHERE trial_id = ? FOR UPDATE', [trial.trialId]);
  // ... our tell locks the trial row, then waits for that value row (its upsert updates it) ...
  const finishing = database.trialWrites.finish(trial.trialId, { state: 'COMPLETE', values: [2] });
  finishing.catch(() => undefined); // awaited below; not "unhandled" if the test fails before
  await waitUntil(
    async () => {
      // Without the PROCESS privilege a user sees its own connections, ours included.
      const [rows] = await other.query<mysql.RowDataPacket[]>(
        `SELECT 1 FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info LIKE 'INSERT INTO trial_values%'`,
      );
      return rows.length > 0;
    },
    'our tell waits for the other client',
    { intervalMs: 20 },
  );
  // ... and the other client now wants the trial row: a deadlock, in which ours is rolled back.
  await other.query('SELECT trial_id FROM trials WHERE trial_id = ? FOR UPDATE', [trial.trialId]);
  await other.query('COMMIT');

  const finished = await finishing;
  expect(finished.state).toBe('COMPLETE');
  expect(await database.trialDetails.values([trial.trialId])).toEqual(new Map([[trial.trialId, [2]]]));
});
