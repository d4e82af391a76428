// The watcher on SQLite, PostgreSQL and MariaDB: what other processes write is announced once
// each — Python Optuna's artifact metadata, rows committed out of id order, deletions and
// optuna-dashboard's in-place `null` tombstones below the re-read floor (found by the rolling
// range check) — and a resume from a position with a hole replays exactly the missing row.
// Looks are triggered by poll() (the timer is set to an hour), so nothing depends on timing.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import type { ArtifactRecord } from '../../src/artifacts/artifact-records.js';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { OptunaDatabase } from '../../src/db/optuna-database.js';
import { ArtifactEventLog, type ArtifactEvent } from '../../src/events/artifact-event-log.js';
import { subscribeToArtifactEvents } from '../../src/events/artifact-feed.js';
import { startArtifactWatcher, type ArtifactWatcher } from '../../src/events/artifact-watcher.js';
import { connectDatabase, type DatabaseConnection } from '../support/database-connection.js';
import { freshDatabase, runRawSql, serverDialects, testDialects, type TestDatabase } from '../support/dialects.js';
import { systemPython } from '../support/python-optuna.js';

const writeMetaScript = fileURLToPath(new URL('../support/python/optuna_write_artifact_meta.py', import.meta.url));

/** The metadata value Optuna stores for an artifact (double-encoded JSON). */
const optunaValue = (artifactId: string): string =>
  JSON.stringify(
    JSON.stringify({ artifact_id: artifactId, filename: 'f.txt', mimetype: 'text/plain', encoding: null }),
  );

let testDatabase: TestDatabase;
let database: OptunaDatabase;
let events: ArtifactEventLog<ArtifactRecord>;
let watcher: ArtifactWatcher;
let announced: ArtifactEvent<ArtifactRecord>[];
let studyId: number;
let trialId: number;

/** `overlapMs` 0: every look raises the floor to what it saw, so later changes are below it. */
async function open(dialect: (typeof testDialects)[number], overlapMs: number): Promise<void> {
  testDatabase = await freshDatabase(dialect, 'watcher');
  database = await openDatabase(parseStorageUrl(testDatabase.url), { busyTimeoutMs: 5000 });
  studyId = (await database.studyWrites.create('watched', ['MINIMIZE'])).studyId;
  trialId = (await database.trialWrites.create(studyId)).trialId;
  events = new ArtifactEventLog<ArtifactRecord>();
  announced = [];
  events.listen((event) => announced.push(event));
  watcher = await startArtifactWatcher(database, events, { intervalSeconds: 3600, overlapMs, rangeSize: 4 });
}

afterEach(async () => {
  await watcher?.stop();
  await database?.close();
  testDatabase?.remove();
});

/** Python Optuna's set_*_system_attr with an artifact's metadata, in a Python process; the artifact id. */
async function writeWithOptuna(kind: 'study' | 'trial', ownerId: number, filename: string): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run(systemPython, [writeMetaScript, testDatabase.url, kind, String(ownerId), filename]);
  return stdout.trim();
}

/** Polls until `count` events were announced (at most `looks` looks), then once more to see that nothing follows. */
async function pollFor(count: number, looks = 20): Promise<ArtifactEvent<ArtifactRecord>[]> {
  for (let look = 0; look < looks && announced.length < count; look++) await watcher.poll();
  await watcher.poll();
  return announced;
}

const summary = (event: ArtifactEvent<ArtifactRecord>) => `${event.kind} ${event.artifactId}`;

describe.each(testDialects)('the watcher on %s', (dialect) => {
  beforeEach(() => open(dialect, 0));

  test.skipIf(!inject('pythonOptuna'))("announces Python Optuna's artifact writes once each", async () => {
    const ofTrial = await writeWithOptuna('trial', trialId, 'model.pt');
    const ofStudy = await writeWithOptuna('study', studyId, 'report.html');
    expect((await pollFor(2)).map(summary).sort()).toEqual([`created ${ofTrial}`, `created ${ofStudy}`].sort());
    expect(announced.find((event) => event.artifactId === ofTrial)!.artifact).toMatchObject({
      filename: 'model.pt',
      trialId,
      trialState: 'RUNNING',
    });
    await watcher.poll();
    expect(announced).toHaveLength(2);
  });

  test('announces deletions and tombstones below the floor once, by the rolling range check', async () => {
    const rows = [];
    for (let index = 0; index < 9; index++) {
      const artifactId = `00000000-0000-4000-8000-00000000000${index}`;
      rows.push(
        await database.artifactAttributeWrites.insert({ kind: 'trial', trialId }, artifactId, optunaValue(artifactId), {
          allowFinishedTrial: false,
        }),
      );
    }
    // This server's own connection: SQLite's data_version does not move for it, so a foreign touch.
    await runRawSql(testDatabase.url, `UPDATE studies SET study_name = 'touched' WHERE study_id = ${studyId}`);
    expect(await pollFor(9)).toHaveLength(9);
    await watcher.poll(); // the floor is above every row now

    const [deleted, tombstoned] = [rows[1]!, rows[6]!];
    await runRawSql(
      testDatabase.url,
      `DELETE FROM trial_system_attributes WHERE trial_system_attribute_id = ${deleted.rowId}`,
    );
    await runRawSql(
      testDatabase.url,
      `UPDATE trial_system_attributes SET value_json = '"null"' WHERE trial_system_attribute_id = ${tombstoned.rowId}`,
    );
    const after = await pollFor(11);
    expect(after.slice(9).map(summary).sort()).toEqual(
      [`deleted ${artifactIdOf(deleted.key)}`, `deleted ${artifactIdOf(tombstoned.key)}`].sort(),
    );
    for (let look = 0; look < 6; look++) await watcher.poll();
    expect(announced).toHaveLength(11);
  });
});

const artifactIdOf = (key: string): string => key.slice('artifacts:'.length);

describe.each(serverDialects)('rows committed out of id order on %s', (dialect) => {
  // An overlap window far longer than the test: the hole stays open until the slow commit.
  beforeEach(() => open(dialect, 600_000));

  test('are announced once each, and a resume from a cursor with the hole replays exactly the late row', async () => {
    const early = '11111111-0000-4000-8000-000000000001';
    const late = '11111111-0000-4000-8000-000000000002';
    const slow = await connectDatabase(testDatabase.url);
    const quick = await connectDatabase(testDatabase.url);
    try {
      const insert = (connection: DatabaseConnection, artifactId: string) =>
        connection.query(
          `INSERT INTO trial_system_attributes (trial_id, ${connection.quoteIdentifier('key')}, value_json)
            VALUES (${trialId}, 'artifacts:${artifactId}', ${connection.placeholder(1)})`,
          [optunaValue(artifactId)],
        );
      // The slow transaction takes the lower id first and commits last.
      await slow.query('BEGIN');
      await insert(slow, early);
      await insert(quick, late);
      expect((await pollFor(1)).map(summary)).toEqual([`created ${late}`]);
      const cursorAfterLate = announced[0]!.cursor;
      await slow.query('COMMIT');
      expect((await pollFor(2)).map(summary)).toEqual([`created ${late}`, `created ${early}`]);
      await watcher.poll();
      expect(announced).toHaveLength(2);

      // Another instance (a fresh log and watcher on the same database) resumes after `late`.
      const other = new ArtifactEventLog<ArtifactRecord>();
      const otherWatcher = await startArtifactWatcher(database, other, { intervalSeconds: 3600 });
      try {
        const resumed = await subscribeToArtifactEvents({ events: other, database }, 'created', {}, cursorAfterLate);
        const first = await resumed.next();
        expect(first.value).toMatchObject({ kind: 'created', artifactId: early });
        await resumed.return!();
      } finally {
        await otherWatcher.stop();
      }
    } finally {
      await slow.close();
      await quick.close();
    }
  });
});
