// The storage contract (src/db/optuna-database.ts), one suite run on SQLite, PostgreSQL and
// MariaDB: the same writes give the same answers, the same errors and the same statement counts.
import { afterEach, describe, expect, test } from 'vitest';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import {
  OwnerNotFoundError,
  StudyNameTakenError,
  TrialClosedError,
  UnusableDatabaseError,
} from '../../src/db/database-errors.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { OptunaDatabase } from '../../src/db/optuna-database.js';
import { databaseUser } from '../support/database-user.js';
import { freshDatabase, runRawSql, testDialects, type TestDatabase } from '../support/dialects.js';

const open = (url: string, readonly = false) => openDatabase(parseStorageUrl(url), { readonly, busyTimeoutMs: 5000 });

describe.each(testDialects)('the storage contract on %s', (dialect) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openFresh(): Promise<{ database: OptunaDatabase; testDatabase: TestDatabase }> {
    const testDatabase = await freshDatabase(dialect, 'contract');
    cleanups.push(testDatabase.remove);
    const database = await open(testDatabase.url);
    cleanups.push(() => database.close());
    return { database, testDatabase };
  }

  test('studies and trials: create, number, finish, read back, rank', async () => {
    const { database } = await openFresh();
    const study = await database.studyWrites.create('Contract study', ['MINIMIZE']);
    await expect(database.studyWrites.create('Contract study', ['MAXIMIZE'])).rejects.toThrow(StudyNameTakenError);
    const other = await database.studyWrites.create('other_50%', ['MAXIMIZE', 'MINIMIZE']);

    const trials = [];
    for (let index = 0; index < 3; index += 1) trials.push(await database.trialWrites.create(study.studyId));
    expect(trials.map((trial) => [trial.number, trial.state])).toEqual([
      [0, 'RUNNING'],
      [1, 'RUNNING'],
      [2, 'RUNNING'],
    ]);
    expect(trials[0]!.datetimeStart).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    await expect(database.trialWrites.create(999_999)).rejects.toThrow(OwnerNotFoundError);
    const finished = await database.trialWrites.finish(trials[1]!.trialId, { state: 'COMPLETE', values: [-2.5] });
    expect(finished.state).toBe('COMPLETE');
    expect(finished.datetimeComplete).not.toBeNull();
    await database.trialWrites.finish(trials[2]!.trialId, { state: 'COMPLETE', values: [Number.POSITIVE_INFINITY] });
    await database.trialWrites.finish(trials[0]!.trialId, { state: 'FAIL', values: null });

    expect(await database.studies.byIds([study.studyId, other.studyId, 424242])).toEqual(
      expect.arrayContaining([
        { studyId: study.studyId, name: 'Contract study', directions: ['MINIMIZE'] },
        { studyId: other.studyId, name: 'other_50%', directions: ['MAXIMIZE', 'MINIMIZE'] },
      ]),
    );
    expect(await database.studies.idByName('other_50%')).toBe(other.studyId);
    expect(await database.studies.idByName('nobody')).toBeNull();
    // Substring, ASCII case-insensitive, wildcards literal.
    expect(await database.studies.count('CONTRACT')).toBe(1);
    expect(await database.studies.count('50%')).toBe(1);
    expect(await database.studies.count('_5')).toBe(1);
    expect(await database.studies.count('%%')).toBe(0);
    expect(await database.studies.count()).toBe(2);
    const page = await database.studies.page({ descending: true, limit: 1, afterStudyId: null, beforeStudyId: null });
    expect(page.map((record) => record.studyId)).toEqual([other.studyId]);

    expect(await database.studies.trialCounts([study.studyId, other.studyId], null)).toEqual(
      new Map([[study.studyId, 3]]),
    );
    expect(await database.studies.trialCounts([study.studyId], ['COMPLETE'])).toEqual(new Map([[study.studyId, 2]]));
    expect(await database.studies.bestTrialIds([study.studyId, other.studyId])).toEqual(
      new Map([[study.studyId, trials[1]!.trialId]]),
    );
    expect(await database.trialDetails.values([trials[1]!.trialId, trials[2]!.trialId, trials[0]!.trialId])).toEqual(
      new Map([
        [trials[1]!.trialId, [-2.5]],
        [trials[2]!.trialId, [Number.POSITIVE_INFINITY]],
      ]),
    );
    const byNumber = await database.trials.byStudyAndNumber([
      [study.studyId, 2],
      [study.studyId, 0],
      [other.studyId, 0],
    ]);
    expect(byNumber.map((trial) => trial.number)).toEqual([0, 2]);
    const pages = await database.trials.pagesByStudy([study.studyId], {
      states: ['COMPLETE', 'FAIL'],
      after: { number: 0, trialId: trials[0]!.trialId },
      before: null,
      fromEnd: false,
      limit: 10,
    });
    expect(pages.get(study.studyId)!.map((trial) => trial.number)).toEqual([1, 2]);
  });

  test('artifact rows: owners checked, newest first, snapshot, delete', async () => {
    const { database } = await openFresh();
    const study = await database.studyWrites.create('artifacts', ['MINIMIZE']);
    const running = await database.trialWrites.create(study.studyId);
    const done = await database.trialWrites.create(study.studyId);
    await database.trialWrites.finish(done.trialId, { state: 'PRUNED', values: null });
    const writes = database.artifactAttributeWrites;
    const open = { allowFinishedTrial: false };

    const [first, second] = await writes.insertAll(
      { kind: 'trial', trialId: running.trialId },
      [
        { artifactId: 'a-1', valueJson: '{"artifact_id": "a-1"}' },
        { artifactId: 'a-2', valueJson: '{"artifact_id": "a-2"}' },
      ],
      open,
    );
    const studyRow = await writes.insert(
      { kind: 'study', studyId: study.studyId },
      's-1',
      '{"artifact_id": "s-1"}',
      open,
    );
    await expect(writes.insert({ kind: 'trial', trialId: done.trialId }, 'x', '{}', open)).rejects.toThrow(
      TrialClosedError,
    );
    await expect(writes.insert({ kind: 'trial', trialId: 987_654 }, 'x', '{}', open)).rejects.toThrow(
      OwnerNotFoundError,
    );
    expect(second!.rowId).toBeGreaterThan(first!.rowId);

    const forTrial = await database.artifactAttributes.forTrials([running.trialId, done.trialId]);
    expect(forTrial.map((row) => [row.key, row.trialState, row.studyId])).toEqual([
      ['artifacts:a-2', 'RUNNING', study.studyId],
      ['artifacts:a-1', 'RUNNING', study.studyId],
    ]);
    expect((await database.artifactAttributes.forStudies([study.studyId])).map((row) => row.key)).toEqual([
      'artifacts:s-1',
    ]);
    expect((await database.artifactAttributes.byArtifactIds(['s-1', 'a-1', 'missing'])).map((row) => row.key)).toEqual([
      'artifacts:a-1',
      'artifacts:s-1',
    ]);
    const bounds = await database.artifactAttributes.rowIdBounds();
    expect(bounds).toEqual({ studyRowId: studyRow.rowId, trialRowId: second!.rowId });
    const all = await database.artifactAttributes.page({ studyId: study.studyId }, bounds, -1);
    expect(all).toHaveLength(3);
    expect(await database.artifactAttributes.page({}, bounds, 1)).toHaveLength(1);
    const newer = await database.artifactAttributes.newerThan({}, { studyRowId: 0, trialRowId: first!.rowId }, 10);
    expect(newer.map((row) => row.key).sort()).toEqual(['artifacts:a-2', 'artifacts:s-1']);

    const look = await database.watchArtifacts({
      since: null,
      above: { studyRowId: 0, trialRowId: first!.rowId },
      summarize: { study: { first: 0, last: studyRow.rowId }, trial: { first: 0, last: second!.rowId } },
    });
    expect(look.changes!.rows.map((row) => row.key)).toEqual(
      studyRow.rowId <= second!.rowId ? ['artifacts:s-1', 'artifacts:a-2'] : ['artifacts:a-2', 'artifacts:s-1'],
    );
    expect(look.changes!.bounds).toEqual(bounds);
    expect(look.changes!.summaries).toEqual({
      study: { count: 1, idSum: studyRow.rowId },
      trial: { count: 2, idSum: first!.rowId + second!.rowId },
    });
    const ranged = await database.artifactAttributes.inRowIdRanges({
      study: null,
      trial: { first: second!.rowId, last: second!.rowId },
    });
    expect(ranged.map((row) => row.key)).toEqual(['artifacts:a-2']);

    const deleted = await writes.delete('a-1');
    expect(deleted.map((row) => row.key)).toEqual(['artifacts:a-1']);
    expect(await writes.delete('a-1')).toEqual([]);
    expect((await database.artifactAttributes.forTrials([running.trialId])).map((row) => row.key)).toEqual([
      'artifacts:a-2',
    ]);
  });

  test('statement counts do not grow with the number of studies or the page size', async () => {
    const { database } = await openFresh();
    const studyIds: number[] = [];
    for (const name of ['one', 'two', 'three']) {
      const study = await database.studyWrites.create(name, ['MINIMIZE']);
      studyIds.push(study.studyId);
      for (let index = 0; index < 4; index += 1) await database.trialWrites.create(study.studyId);
    }
    const statementsOf = async (work: () => Promise<unknown>): Promise<number> => {
      const before = database.statements.count;
      await work();
      return database.statements.count - before;
    };
    const query = (limit: number) => ({ states: null, after: null, before: null, fromEnd: false, limit });
    expect(await statementsOf(() => database.trials.pagesByStudy(studyIds, query(1)))).toBe(1);
    expect(await statementsOf(() => database.trials.pagesByStudy(studyIds, query(100)))).toBe(1);
    expect(await statementsOf(() => database.trials.pagesByStudy(studyIds.slice(0, 1), query(100)))).toBe(1);
    const trialIds = [...(await database.trials.pagesByStudy(studyIds, query(100))).values()]
      .flat()
      .map((t) => t.trialId);
    expect(await statementsOf(() => database.trialDetails.values(trialIds))).toBe(1);
    expect(await statementsOf(() => database.artifactAttributes.forTrials(trialIds))).toBe(1);
    expect(await statementsOf(() => database.studies.byIds(studyIds))).toBe(1);
  });

  test('an existing database is used as it is; an unknown schema version is refused naming optuna storage upgrade', async () => {
    const { database, testDatabase } = await openFresh();
    await database.studyWrites.create('kept', ['MINIMIZE']);
    await database.close();
    const reopened = await open(testDatabase.url);
    expect(await reopened.studies.idByName('kept')).not.toBeNull();
    await reopened.close();

    await runRawSql(testDatabase.url, "UPDATE alembic_version SET version_num = 'v3.0.0.d'");
    const refusal = await open(testDatabase.url).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(UnusableDatabaseError);
    expect(String(refusal)).toContain('optuna storage upgrade');
    expect(String(refusal)).not.toContain(databaseUser.password);
  });

  test('a read-only open of an empty database is refused and creates nothing', async () => {
    const testDatabase = await freshDatabase(dialect, 'readonly');
    cleanups.push(testDatabase.remove);
    if (dialect === 'sqlite') await runRawSql(testDatabase.url, 'VACUUM'); // an empty file, as a read-only open needs one
    await expect(open(testDatabase.url, true)).rejects.toThrow(UnusableDatabaseError);
    const database = await open(testDatabase.url);
    cleanups.push(() => database.close());
    expect(await database.studies.count()).toBe(0);
  });
});
