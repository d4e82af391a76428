// Artifact metadata rows: adding and deleting them (for the upload and delete features), and
// the newest-first listing with cursors that never skip or repeat, even while rows are added.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { decodeArtifactCursor } from '../../src/artifacts/artifact-cursor.js';
import { encodeArtifactMetaValueJson } from '../../src/artifacts/artifact-meta.js';
import {
  countArtifacts,
  findArtifact,
  findArtifactsByIds,
  listArtifactsNewestFirst,
} from '../../src/artifacts/artifact-listing.js';
import { OwnerNotFoundError, TrialClosedError } from '../../src/db/database-errors.js';
import { AppError } from '../../src/errors.js';
import {
  buildArtifact,
  buildStudy,
  buildTrial,
  createTemporaryDatabase,
  type TemporaryDatabase,
} from './optuna-factory.js';
import { recordingLogger } from '../support/recording-logger.js';

let temporary: TemporaryDatabase;
const warnings: string[] = [];
beforeEach(() => {
  warnings.length = 0;
  temporary = createTemporaryDatabase(recordingLogger(({ message }) => warnings.push(message)));
});
afterEach(() => temporary.remove());

function insertLegacyRow(studyId: number, trialId: number): string {
  const artifactId = randomUUID();
  const valueJson = encodeArtifactMetaValueJson({
    artifactId,
    filename: 'legacy.csv',
    mimetype: 'text/csv',
    encoding: null,
  });
  temporary.database.orm.run(
    sql`INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (${studyId}, ${`dashboard:artifacts:${trialId}:${artifactId}`}, ${valueJson})`,
  );
  return artifactId;
}

describe('adding artifact rows', () => {
  test("study artifacts go into study_system_attributes, trial artifacts into the trial's", async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const trial = await buildTrial(database, study.studyId);
    const studyArtifact = await buildArtifact(database, { kind: 'study', studyId: study.studyId });
    const trialArtifact = await buildArtifact(database, { kind: 'trial', trialId: trial.trialId });
    expect(studyArtifact.row).toMatchObject({ source: 'study', studyId: study.studyId, trialId: null });
    expect(trialArtifact.row).toMatchObject({
      source: 'trial',
      studyId: study.studyId,
      trialId: trial.trialId,
      trialState: 'RUNNING',
    });
    const found = await findArtifactsByIds(database, [studyArtifact.artifactId, trialArtifact.artifactId]);
    expect(found.get(trialArtifact.artifactId)).toMatchObject({
      trialId: trial.trialId,
      trialState: 'RUNNING',
      studyId: study.studyId,
    });
    expect(found.get(studyArtifact.artifactId)).toMatchObject({ trialId: null, studyId: study.studyId });
    expect(await findArtifact(database, studyArtifact.artifactId)).toEqual(found.get(studyArtifact.artifactId));
    expect(await findArtifact(database, 'unknown')).toBeNull();
  });

  test('a finished trial is refused unless allowed; an unknown owner is refused naming it', async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const trial = await buildTrial(database, study.studyId, { state: 'COMPLETE', values: [1] });
    const valueJson = encodeArtifactMetaValueJson({
      artifactId: 'a1',
      filename: 'a',
      mimetype: 'text/plain',
      encoding: null,
    });
    const insert = (allowFinishedTrial: boolean) =>
      database.artifactAttributeWrites.insert({ kind: 'trial', trialId: trial.trialId }, 'a1', valueJson, {
        allowFinishedTrial,
      });
    await expect(insert(false)).rejects.toEqual(new TrialClosedError(0, 'COMPLETE'));
    expect((await findArtifactsByIds(database, ['a1'])).size).toBe(0);
    expect(await insert(true)).toMatchObject({ trialState: 'COMPLETE' });
    await expect(
      database.artifactAttributeWrites.insert({ kind: 'study', studyId: 999 }, 'a2', valueJson, {
        allowFinishedTrial: true,
      }),
    ).rejects.toEqual(new OwnerNotFoundError('study', 999));
    await expect(
      database.artifactAttributeWrites.insert({ kind: 'trial', trialId: 999 }, 'a2', valueJson, {
        allowFinishedTrial: true,
      }),
    ).rejects.toEqual(new OwnerNotFoundError('trial', 999));
  });
});

describe('deleting artifact rows', () => {
  test('deletes the row (no tombstone) and returns it; a legacy row is found by its artifact id too', async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const trial = await buildTrial(database, study.studyId);
    const { artifactId } = await buildArtifact(database, { kind: 'trial', trialId: trial.trialId });
    const legacyId = insertLegacyRow(study.studyId, trial.trialId);
    expect(await database.artifactAttributeWrites.delete(artifactId)).toMatchObject([
      { source: 'trial', trialId: trial.trialId },
    ]);
    expect(await database.artifactAttributeWrites.delete(legacyId)).toMatchObject([
      { source: 'study', trialId: trial.trialId, trialState: 'RUNNING' },
    ]);
    expect(database.orm.all(sql`SELECT * FROM trial_system_attributes`)).toEqual([]);
    expect(database.orm.all(sql`SELECT * FROM study_system_attributes`)).toEqual([]);
    expect(await database.artifactAttributeWrites.delete(artifactId)).toEqual([]);
  });

  test('a guard runs inside the transaction and can refuse: nothing is deleted', async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const { artifactId } = await buildArtifact(database, { kind: 'study', studyId: study.studyId });
    await expect(
      database.artifactAttributeWrites.delete(artifactId, {
        guard: () => {
          throw new AppError('FORBIDDEN', 'no');
        },
      }),
    ).rejects.toThrow('no');
    expect((await findArtifactsByIds(database, [artifactId])).size).toBe(1);
  });
});

describe('listing', () => {
  test('a malformed row is logged once and skipped; a tombstone is skipped silently', async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const good = await buildArtifact(database, { kind: 'study', studyId: study.studyId });
    database.orm.run(
      sql`INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (${study.studyId}, 'artifacts:bad', '{"artifact_id": "bad"}')`,
    );
    database.orm.run(
      sql`INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (${study.studyId}, 'artifacts:gone', '"null"')`,
    );
    const list = () => listArtifactsNewestFirst(database, { studyId: study.studyId }, { first: 10, after: null });
    expect((await list()).edges.map((edge) => edge.artifact.artifactId)).toEqual([good.artifactId]);
    expect((await list()).edges).toHaveLength(1);
    expect(await countArtifacts(database, { studyId: study.studyId })).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/study_system_attributes row \d+ \(key "artifacts:bad"\)/);
  });

  test('more skipped rows than a page fetches are stepped over, page after page', async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const good: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      good.push((await buildArtifact(database, { kind: 'study', studyId: study.studyId })).artifactId);
      for (let bad = 0; bad < 12; bad += 1) {
        database.orm.run(
          sql`INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (${study.studyId}, ${`artifacts:bad-${round}-${bad}`}, '"null"')`,
        );
      }
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await listArtifactsNewestFirst(database, {}, { first: 1, after });
      seen.push(...page.edges.map((edge) => edge.artifact.artifactId));
      if (!page.hasNextPage) break;
      after = page.edges.at(-1)!.cursor;
    }
    expect(seen).toEqual([...good].reverse());
  });

  test("a study filter takes the study's and its trials' artifacts (legacy rows too); a trial filter its own", async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const other = await buildStudy(database);
    const trial = await buildTrial(database, study.studyId);
    const own = (await buildArtifact(database, { kind: 'study', studyId: study.studyId })).artifactId;
    const ofTrial = (await buildArtifact(database, { kind: 'trial', trialId: trial.trialId })).artifactId;
    const legacy = insertLegacyRow(study.studyId, trial.trialId);
    await buildArtifact(database, { kind: 'study', studyId: other.studyId });
    const idsFor = async (filter: { studyId?: number; trialId?: number }) =>
      new Set(
        (await listArtifactsNewestFirst(database, filter, { first: 10, after: null })).edges.map(
          (edge) => edge.artifact.artifactId,
        ),
      );
    expect(await idsFor({ studyId: study.studyId })).toEqual(new Set([own, ofTrial, legacy]));
    expect(await idsFor({ trialId: trial.trialId })).toEqual(new Set([ofTrial, legacy]));
    expect((await idsFor({})).size).toBe(4);
  });

  test('pages newest first; rows added meanwhile never show up in later pages, and `since` the first cursor finds exactly them', async () => {
    const { database } = temporary;
    const study = await buildStudy(database);
    const trial = await buildTrial(database, study.studyId);
    const owners = [
      { kind: 'study', studyId: study.studyId },
      { kind: 'trial', trialId: trial.trialId },
    ] as const;
    const added: string[] = [];
    // Interleave the two tables unevenly so their row ids diverge.
    for (const ownerIndex of [0, 1, 1, 0, 1, 1, 1, 0, 0, 1])
      added.push((await buildArtifact(database, owners[ownerIndex]!)).artifactId);

    const firstPage = await listArtifactsNewestFirst(database, {}, { first: 3, after: null });
    const newcomers = [
      (await buildArtifact(database, owners[0])).artifactId,
      (await buildArtifact(database, owners[1])).artifactId,
    ];

    const seen = firstPage.edges.map((edge) => edge.artifact.artifactId);
    let page = firstPage;
    while (page.hasNextPage) {
      page = await listArtifactsNewestFirst(database, {}, { first: 3, after: page.edges.at(-1)!.cursor });
      seen.push(...page.edges.map((edge) => edge.artifact.artifactId));
    }
    expect(new Set(seen)).toEqual(new Set(added));
    expect(seen).toHaveLength(added.length);
    // Within each table, newest first.
    const seenArtifacts = await findArtifactsByIds(database, seen);
    const inTrialTable = seen.filter((id) => seenArtifacts.get(id)!.trialId !== null);
    expect(inTrialTable).toEqual(added.filter((id) => inTrialTable.includes(id)).reverse());

    const since = decodeArtifactCursor(firstPage.edges[0]!.cursor);
    const replay = (await database.artifactAttributes.newerThan({}, since, 100)).map((row) =>
      row.key.slice('artifacts:'.length),
    );
    expect(replay).toEqual(newcomers);
  });
});
