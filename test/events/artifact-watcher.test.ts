// The watcher: artifacts other processes write (or delete) are announced once, in commit
// order, and a look when nothing changed costs no query. Looks are triggered by calling
// poll() (the timer is set to an hour), so nothing here depends on timing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactRecordFromRow, type ArtifactRecord } from '../../src/artifacts/artifact-records.js';
import { ArtifactEventLog, type ArtifactEvent } from '../../src/events/artifact-event-log.js';
import { startArtifactWatcher, type ArtifactWatcher } from '../../src/events/artifact-watcher.js';
import { buildArtifact, buildStudy, buildTrial, createTemporaryDatabase, type TemporaryDatabase } from '../db/optuna-factory.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';

let temporary: TemporaryDatabase;
let foreign: ForeignWriter;
let events: ArtifactEventLog<ArtifactRecord>;
let watcher: ArtifactWatcher;
let announced: ArtifactEvent<ArtifactRecord>[];
let warnings: string[];
let studyId: number;
let trialId: number;

beforeEach(() => {
  warnings = [];
  temporary = createTemporaryDatabase({ warn: (message) => warnings.push(message) });
  studyId = buildStudy(temporary.database).studyId;
  trialId = buildTrial(temporary.database, studyId).trialId;
  foreign = openForeignWriter(temporary.path);
  events = new ArtifactEventLog<ArtifactRecord>();
  announced = [];
  events.listen((event) => announced.push(event));
});

afterEach(() => {
  watcher?.stop();
  foreign.close();
  temporary.remove();
});

const startWatching = () => {
  watcher = startArtifactWatcher(temporary.database, events, 3600);
};
const summary = (event: ArtifactEvent<ArtifactRecord>) => ({ kind: event.kind, artifactId: event.artifactId, studyId: event.studyId, trialId: event.trialId });

describe('artifact watcher', () => {
  it('knows the artifacts that exist at start without announcing them', () => {
    const existing = buildArtifact(temporary.database, { kind: 'trial', trialId });
    const existingForeign = foreign.addStudyArtifact(studyId);
    startWatching();
    watcher.poll();
    expect(announced).toEqual([]);
    expect([...events.knownArtifacts().keys()].sort()).toEqual([existing.artifactId, existingForeign.artifactId].sort());
  });

  it('announces a row another connection inserted, once, with its decoded metadata', () => {
    startWatching();
    const artifact = foreign.addTrialArtifact(trialId, 'model.txt');
    watcher.poll();
    watcher.poll();
    expect(announced.map(summary)).toEqual([{ kind: 'created', artifactId: artifact.artifactId, studyId, trialId }]);
    expect(announced[0]!.artifact).toMatchObject({ artifactId: artifact.artifactId, filename: 'model.txt', mimetype: 'text/plain', encoding: null, trialState: 'RUNNING' });
  });

  it('announces study artifacts and old optuna-dashboard rows with their owners, in row order', () => {
    startWatching();
    const studyRow1 = foreign.addStudyArtifact(studyId);
    const studyRow2 = foreign.addLegacyDashboardArtifact(studyId, trialId);
    const trialRow1 = foreign.addTrialArtifact(trialId);
    watcher.poll();
    // The order of the `artifacts` list, oldest first: by row id, a study row before a trial row of the same id.
    expect(announced.map(summary)).toEqual([
      { kind: 'created', artifactId: studyRow1.artifactId, studyId, trialId: null },
      { kind: 'created', artifactId: trialRow1.artifactId, studyId, trialId },
      { kind: 'created', artifactId: studyRow2.artifactId, studyId, trialId },
    ]);
  });

  it('announces deletions by others, and a tombstone counts as a deletion', () => {
    const deleted = buildArtifact(temporary.database, { kind: 'trial', trialId });
    const tombstoned = buildArtifact(temporary.database, { kind: 'trial', trialId });
    startWatching();
    foreign.deleteArtifact(deleted.artifactId);
    foreign.tombstoneTrialArtifact(trialId, tombstoned.artifactId);
    watcher.poll();
    expect(announced.map(summary)).toEqual([
      { kind: 'deleted', artifactId: deleted.artifactId, studyId, trialId },
      { kind: 'deleted', artifactId: tombstoned.artifactId, studyId, trialId },
    ]);
    expect(events.knownArtifacts().size).toBe(0);
  });

  it('skips a malformed row (reported once) and a tombstone that was never an artifact', () => {
    startWatching();
    foreign.addTrialAttribute(trialId, 'artifacts:0d1f2e3c-0000-4000-8000-000000000000', JSON.stringify('{"artifact_id": "0d1f2e3c-0000-4000-8000-000000000000"}'));
    foreign.addTrialAttribute(trialId, 'artifacts:0d1f2e3c-0000-4000-8000-000000000001', '"null"');
    watcher.poll();
    foreign.addTrialArtifact(trialId);
    watcher.poll();
    expect(announced.map((event) => event.kind)).toEqual(['created']);
    expect(warnings.filter((warning) => warning.includes('0d1f2e3c'))).toHaveLength(1);
  });

  it('runs no query while no other connection committed', () => {
    startWatching();
    buildArtifact(temporary.database, { kind: 'study', studyId }); // this server's own write
    const before = temporary.database.statements.count;
    watcher.poll();
    watcher.poll();
    expect(temporary.database.statements.count).toBe(before);
    foreign.addTrialArtifact(trialId);
    watcher.poll();
    expect(temporary.database.statements.count).toBeGreaterThan(before);
  });

  it("announces what others committed before this server's own upload first, and the upload once", () => {
    startWatching();
    const theirs = foreign.addTrialArtifact(trialId);
    const ours = buildArtifact(temporary.database, { kind: 'trial', trialId });
    const record = artifactRecordFromRow(ours.row, temporary.database.log)!;
    // What the upload pipeline does right after its commit; the log asks the watcher to catch up first.
    expect(events.publishCreated(ours.artifactId, record, record)).toBe(true);
    watcher.poll();
    expect(announced.map((event) => event.artifactId)).toEqual([theirs.artifactId, ours.artifactId]);
    // Every artifact row up to ours has been announced: its cursor's watermark says so.
    expect(events.watermark()).toEqual(temporary.database.artifactAttributes.rowIdBounds());
  });

  it("does not announce this server's own delete a second time", () => {
    const artifact = buildArtifact(temporary.database, { kind: 'trial', trialId });
    startWatching();
    foreign.addStudyArtifact(studyId); // makes the next look read the tables
    temporary.database.artifactAttributeWrites.delete(artifact.artifactId);
    events.publishDeleted(artifact.artifactId, { studyId, trialId });
    watcher.poll();
    expect(announced.map((event) => event.kind)).toEqual(['created', 'deleted']);
    expect(announced.filter((event) => event.artifactId === artifact.artifactId)).toHaveLength(1);
  });

  it('stops looking once stopped', () => {
    startWatching();
    watcher.stop();
    foreign.addTrialArtifact(trialId);
    watcher.poll();
    events.catchUp();
    expect(announced).toEqual([]);
  });
});
