// A deadlock between a write of this server and another client's transaction on PostgreSQL:
// PostgreSQL aborts one of them (40P01); when it is ours, the transaction runs again as a whole
// and the caller sees only its result, never the deadlock.
import pg from 'pg';
import { afterEach, expect, test } from 'vitest';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { OptunaDatabase } from '../../src/db/optuna-database.js';
import { createPostgresDatabase } from '../support/postgres-server.js';
import { waitUntil } from '../support/wait-until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test('finishTrial that deadlocks with another client is run again and succeeds', async () => {
  const url = await createPostgresDatabase('deadlock');
  const database: OptunaDatabase = await openDatabase(parseStorageUrl(url));
  cleanups.push(() => database.close());
  const study = await database.studyWrites.create('deadlock', ['MINIMIZE']);
  const trial = await database.trialWrites.create(study.studyId);
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  cleanups.push(() => other.end());

  // A value row of the running trial exists (as a crashed tell might leave it), and the other
  // client holds it locked ...
  await other.query(`INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES ($1, 0, 1, 'FINITE')`, [
    trial.trialId,
  ]);
  await other.query('BEGIN');
  await other.query('SELECT value FROM trial_values WHERE trial_id = $1 FOR UPDATE', [trial.trialId]);
  // ... our tell locks the trial row, then waits for that value row (its upsert updates it) ...
  const finishing = database.trialWrites.finish(trial.trialId, { state: 'COMPLETE', values: [2] });
  await waitUntil(
    async () =>
      (
        await other.query(
          `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE NOT l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()`,
        )
      ).rowCount! > 0,
    'our tell waits for the other client',
    { intervalMs: 20 },
  );
  // ... and the other client now wants the trial row: a deadlock. Ours waited longer, so
  // PostgreSQL's check finds it first and aborts our transaction, which runs again.
  await other.query('SELECT trial_id FROM trials WHERE trial_id = $1 FOR UPDATE', [trial.trialId]);
  await other.query('COMMIT');

  const finished = await finishing;
  expect(finished.state).toBe('COMPLETE');
  expect(await database.trialDetails.values([trial.trialId])).toEqual(new Map([[trial.trialId, [2]]]));
});
