// The watcher: artifacts other processes write (or delete) are announced once, in commit
// order, and a look when nothing changed costs no query. Looks are triggered by calling
// poll() (the timer is set to an hour), so nothing here depends on timing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactRecordFromRow, type ArtifactRecord } from '../../src/artifacts/artifact-records.js';
import { ArtifactEventLog, type ArtifactEvent } from '../../src/events/artifact-event-log.js';
import { startArtifactWatcher, type ArtifactWatcher } from '../../src/events/artifact-watcher.js';
import {
  buildArtifact,
  buildStudy,
  buildTrial,
  createTemporaryDatabase,
  type TemporaryDatabase,
} from '../db/optuna-factory.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';
import { recordingLogger } from '../support/recording-logger.js';

let temporary: TemporaryDatabase;
let foreign: ForeignWriter;
let events: ArtifactEventLog<ArtifactRecord>;
let watcher: ArtifactWatcher;
let announced: ArtifactEvent<ArtifactRecord>[];
let warnings: string[];
let studyId: number;
let trialId: number;

beforeEach(async () => {
  warnings = [];
  temporary = createTemporaryDatabase(recordingLogger(({ message }) => warnings.push(message)));
  studyId = (await buildStudy(temporary.database)).studyId;
  trialId = (await buildTrial(temporary.database, studyId)).trialId;
  foreign = openForeignWriter(temporary.path);
  events = new ArtifactEventLog<ArtifactRecord>();
  announced = [];
  events.listen((event) => announced.push(event));
});

afterEach(async () => {
  await watcher?.stop();
  foreign.close();
  temporary.remove();
});

const startWatching = async () => {
  watcher = await startArtifactWatcher(temporary.database, events, { intervalSeconds: 3600 });
};
const summary = (event: ArtifactEvent<ArtifactRecord>) => ({
  kind: event.kind,
  artifactId: event.artifactId,
  studyId: event.studyId,
  trialId: event.trialId,
});

describe('artifact watcher', () => {
  it('knows the artifacts that exist at start without announcing them', async () => {
    const existing = await buildArtifact(temporary.database, { kind: 'trial', trialId });
    const existingForeign = foreign.addStudyArtifact(studyId);
    await startWatching();
    await watcher.poll();
    expect(announced).toEqual([]);
    expect([...events.knownArtifacts().keys()].sort()).toEqual(
      [existing.artifactId, existingForeign.artifactId].sort(),
    );
  });

  it('announces a row another connection inserted, once, with its decoded metadata', async () => {
    await startWatching();
    const artifact = foreign.addTrialArtifact(trialId, 'model.txt');
    await watcher.poll();
    await watcher.poll();
    expect(announced.map(summary)).toEqual([{ kind: 'created', artifactId: artifact.artifactId, studyId, trialId }]);
    expect(announced[0]!.artifact).toMatchObject({
      artifactId: artifact.artifactId,
      filename: 'model.txt',
      mimetype: 'text/plain',
      encoding: null,
      trialState: 'RUNNING',
    });
  });

  it('announces study artifacts and old optuna-dashboard rows with their owners, in row order', async () => {
    await startWatching();
    const studyRow1 = foreign.addStudyArtifact(studyId);
    const studyRow2 = foreign.addLegacyDashboardArtifact(studyId, trialId);
    const trialRow1 = foreign.addTrialArtifact(trialId);
    await watcher.poll();
    // The order of the `artifacts` list, oldest first: by row id, a study row before a trial row of the same id.
    expect(announced.map(summary)).toEqual([
      { kind: 'created', artifactId: studyRow1.artifactId, studyId, trialId: null },
      { kind: 'created', artifactId: trialRow1.artifactId, studyId, trialId },
      { kind: 'created', artifactId: studyRow2.artifactId, studyId, trialId },
    ]);
  });

  it('announces deletions by others, and a tombstone counts as a deletion', async () => {
    const deleted = await buildArtifact(temporary.database, { kind: 'trial', trialId });
    const tombstoned = await buildArtifact(temporary.database, { kind: 'trial', trialId });
    await startWatching();
    foreign.deleteArtifact(deleted.artifactId);
    foreign.tombstoneTrialArtifact(trialId, tombstoned.artifactId);
    await watcher.poll();
    expect(announced.map(summary)).toEqual([
      { kind: 'deleted', artifactId: deleted.artifactId, studyId, trialId },
      { kind: 'deleted', artifactId: tombstoned.artifactId, studyId, trialId },
    ]);
    expect(events.knownArtifacts().size).toBe(0);
  });

  it('skips a malformed row (reported once) and a tombstone that was never an artifact', async () => {
    await startWatching();
    foreign.addTrialAttribute(
      trialId,
      'artifacts:0d1f2e3c-0000-4000-8000-000000000000',
      JSON.stringify('{"artifact_id": "0d1f2e3c-0000-4000-8000-000000000000"}'),
    );
    foreign.addTrialAttribute(trialId, 'artifacts:0d1f2e3c-0000-4000-8000-000000000001', '"null"');
    await watcher.poll();
    foreign.addTrialArtifact(trialId);
    await watcher.poll();
    expect(announced.map((event) => event.kind)).toEqual(['created']);
    expect(warnings.filter((warning) => warning.includes('0d1f2e3c'))).toHaveLength(1);
  });

  it('runs no query while no other connection committed', async () => {
    await startWatching();
    await buildArtifact(temporary.database, { kind: 'study', studyId }); // this server's own write
    const before = temporary.database.statements.count;
    await watcher.poll();
    await watcher.poll();
    expect(temporary.database.statements.count).toBe(before);
    foreign.addTrialArtifact(trialId);
    await watcher.poll();
    expect(temporary.database.statements.count).toBeGreaterThan(before);
  });

  it("announces what others committed before this server's own upload first, and the upload once", async () => {
    await startWatching();
    const theirs = foreign.addTrialArtifact(trialId);
    const ours = await buildArtifact(temporary.database, { kind: 'trial', trialId });
    const record = artifactRecordFromRow(ours.row, temporary.database.log)!;
    // What the upload pipeline does right after its commit; the log asks the watcher to catch up first.
    expect(await events.publishCreated(ours.artifactId, record, record)).toBe(true);
    await watcher.poll();
    expect(announced.map((event) => event.artifactId)).toEqual([theirs.artifactId, ours.artifactId]);
    // Every artifact row up to ours has been announced: the feed's position says so.
    const bounds = await temporary.database.artifactAttributes.rowIdBounds();
    expect(events.position()).toEqual({
      study: { settled: bounds.studyRowId, above: [] },
      trial: { settled: bounds.trialRowId, above: [] },
    });
  });

  it("does not announce this server's own delete a second time", async () => {
    const artifact = await buildArtifact(temporary.database, { kind: 'trial', trialId });
    await startWatching();
    foreign.addStudyArtifact(studyId); // makes the next look read the tables
    await temporary.database.artifactAttributeWrites.delete(artifact.artifactId);
    await events.publishDeleted(artifact.artifactId, { studyId, trialId });
    await watcher.poll();
    expect(announced.map((event) => event.kind)).toEqual(['created', 'deleted']);
    expect(announced.filter((event) => event.artifactId === artifact.artifactId)).toHaveLength(1);
  });

  it('stops looking once stopped', async () => {
    await startWatching();
    await watcher?.stop();
    foreign.addTrialArtifact(trialId);
    await watcher.poll();
    await events.catchUp();
    expect(announced).toEqual([]);
  });
});
