// Replay-then-live: what a subscription receives after each kind of `since`, with no gap and
// no duplicate, on a real SQLite file (this server's writes, and another connection's).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listArtifactsNewestFirst } from '../../src/artifacts/artifact-listing.js';
import { artifactRecordFromRow, type ArtifactRecord } from '../../src/artifacts/artifact-records.js';
import type { ArtifactOwner } from '../../src/db/artifact-attribute-writes.js';
import { isAppError } from '../../src/errors.js';
import { ArtifactEventLog, type ArtifactEvent } from '../../src/events/artifact-event-log.js';
import { subscribeToArtifactEvents, type ArtifactEventKind } from '../../src/events/artifact-feed.js';
import { startArtifactWatcher, type ArtifactWatcher } from '../../src/events/artifact-watcher.js';
import { EventQueue } from '../../src/events/event-queue.js';
import { buildArtifact, buildStudy, buildTrial, createTemporaryDatabase, type TemporaryDatabase } from '../db/optuna-factory.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';

let temporary: TemporaryDatabase;
let foreign: ForeignWriter;
let events: ArtifactEventLog<ArtifactRecord>;
let watcher: ArtifactWatcher;
let studyId: number;
let trialA: number;
let trialB: number;
const open: AsyncIterator<unknown>[] = [];

beforeEach(() => {
  temporary = createTemporaryDatabase();
  studyId = buildStudy(temporary.database).studyId;
  trialA = buildTrial(temporary.database, studyId).trialId;
  trialB = buildTrial(temporary.database, studyId).trialId;
  foreign = openForeignWriter(temporary.path);
  events = new ArtifactEventLog<ArtifactRecord>();
  watcher = startArtifactWatcher(temporary.database, events, 3600);
});

afterEach(async () => {
  for (const iterator of open.splice(0)) await iterator.return?.();
  watcher.stop();
  foreign.close();
  temporary.remove();
});

/** What the upload pipeline does: the metadata row commits, then the creation is published. */
function upload(owner: ArtifactOwner, log = events): string {
  const { artifactId, row } = buildArtifact(temporary.database, owner);
  const record = artifactRecordFromRow(row, temporary.database.log)!;
  log.publishCreated(artifactId, record, record);
  return artifactId;
}

/** What deleteArtifact does: the rows go, then the deletion is published. */
function remove(artifactId: string): void {
  const [row] = temporary.database.artifactAttributeWrites.delete(artifactId);
  events.publishDeleted(artifactId, { studyId: row!.studyId, trialId: row!.trialId });
}

function subscribe(kind: ArtifactEventKind, filter: { studyId?: number; trialId?: number } = {}, since?: string, log = events) {
  const iterator = subscribeToArtifactEvents({ events: log, database: temporary.database }, kind, filter, since);
  open.push(iterator);
  return iterator;
}

/** The next `count` events; fails instead of hanging when they do not come. */
async function take(iterator: AsyncIterator<ArtifactEvent<ArtifactRecord>>, count: number): Promise<ArtifactEvent<ArtifactRecord>[]> {
  const taken: ArtifactEvent<ArtifactRecord>[] = [];
  for (let index = 0; index < count; index++) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`event ${index + 1} of ${count} did not come`)), 2000)),
    ]);
    if (next.done) throw new Error('the subscription ended');
    taken.push(next.value);
  }
  return taken;
}

const ids = (taken: ArtifactEvent<ArtifactRecord>[]) => taken.map((event) => event.artifactId);

function expectRefusal(code: 'BAD_USER_INPUT' | 'CURSOR_EXPIRED', action: () => unknown, message?: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(isAppError(error) && error.code).toBe(code);
    if (message) expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}
const expectBadUserInput = (action: () => unknown) => expectRefusal('BAD_USER_INPUT', action);
const expectCursorExpired = (action: () => unknown, message?: RegExp) => expectRefusal('CURSOR_EXPIRED', action, message);

describe('live events', () => {
  it('delivers what is published after subscribing, in order, filtered by owner', async () => {
    const everything = subscribe('created');
    const ofTrialA = subscribe('created', { trialId: trialA });
    const ofStudy = subscribe('created', { studyId });
    const a1 = upload({ kind: 'trial', trialId: trialA });
    const b1 = upload({ kind: 'trial', trialId: trialB });
    const s1 = upload({ kind: 'study', studyId });
    const a2 = upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(everything, 4))).toEqual([a1, b1, s1, a2]);
    expect(ids(await take(ofStudy, 4))).toEqual([a1, b1, s1, a2]);
    expect(ids(await take(ofTrialA, 2))).toEqual([a1, a2]);
  });

  it('a trial filter with a study it does not belong to matches nothing', async () => {
    const otherStudy = buildStudy(temporary.database).studyId;
    const mismatched = subscribe('created', { studyId: otherStudy, trialId: trialA });
    const fence = subscribe('created', { studyId: otherStudy });
    upload({ kind: 'trial', trialId: trialA });
    const marker = upload({ kind: 'study', studyId: otherStudy });
    expect(ids(await take(fence, 1))).toEqual([marker]);
    expect(events.listenerCount()).toBe(2);
    const pending = mismatched.next();
    const raced = await Promise.race([pending, Promise.resolve('nothing yet')]);
    expect(raced).toBe('nothing yet');
  });

  it('listens from the moment of subscribing, before the first next()', async () => {
    const subscription = subscribe('created');
    const artifactId = upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(subscription, 1))).toEqual([artifactId]);
  });

  it('stops listening when the subscriber returns, even before its first next()', async () => {
    const subscription = subscribe('deleted');
    expect(events.listenerCount()).toBe(1);
    await subscription.return!();
    expect(events.listenerCount()).toBe(0);
  });

  it('delivers deletions with their owner', async () => {
    const artifactId = upload({ kind: 'trial', trialId: trialB });
    const deletions = subscribe('deleted', { trialId: trialB });
    remove(artifactId);
    expect(await take(deletions, 1)).toMatchObject([{ kind: 'deleted', artifactId, studyId, trialId: trialB }]);
  });
});

describe('since: an event cursor of this run', () => {
  it('replays exactly what came after it, then goes live', async () => {
    const first = subscribe('created', { trialId: trialA });
    upload({ kind: 'trial', trialId: trialA });
    const [seen] = await take(first, 1);
    await first.return!();
    const missed = [upload({ kind: 'trial', trialId: trialA }), upload({ kind: 'trial', trialId: trialA }), upload({ kind: 'trial', trialId: trialA })];
    upload({ kind: 'trial', trialId: trialB }); // not for this subscriber
    const resumed = subscribe('created', { trialId: trialA }, seen!.cursor);
    const live = upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(resumed, 4))).toEqual([...missed, live]);
  });

  it('replays deletions after it', async () => {
    const [x, y] = [upload({ kind: 'study', studyId }), upload({ kind: 'study', studyId })];
    const cursor = events.currentCursor();
    remove(x);
    remove(y);
    expect(ids(await take(subscribe('deleted', {}, cursor), 2))).toEqual([x, y]);
  });

  it('includes what another connection committed before subscribing, once', async () => {
    const cursor = events.currentCursor();
    const theirs = foreign.addTrialArtifact(trialA);
    const resumed = subscribe('created', {}, cursor);
    watcher.poll();
    const ours = upload({ kind: 'trial', trialId: trialB });
    expect(ids(await take(resumed, 2))).toEqual([theirs.artifactId, ours]);
  });

  it('refuses a cursor naming an event that never happened', () => {
    const forged = Buffer.from(`event:v1:${events.epoch}:99:0:0`).toString('base64url');
    expectBadUserInput(() => subscribe('created', {}, forged));
  });
});

describe('since: older than the log keeps, or from an earlier run', () => {
  it('replays creations from the database rows above the watermark, oldest first', async () => {
    const cursor = events.currentCursor();
    const uploaded = [upload({ kind: 'trial', trialId: trialA }), upload({ kind: 'study', studyId }), upload({ kind: 'trial', trialId: trialB })];
    const deletedMeanwhile = upload({ kind: 'trial', trialId: trialA });
    remove(deletedMeanwhile);

    // A restart: a new log (new epoch) following the same database.
    watcher.stop();
    const restarted = new ArtifactEventLog<ArtifactRecord>();
    watcher = startArtifactWatcher(temporary.database, restarted, 3600);
    const resumed = subscribe('created', {}, cursor, restarted);
    const live = upload({ kind: 'trial', trialId: trialA }, restarted);
    const replayed = await take(resumed, 4);
    // Row-id order: trial rows 1 and 2 (A, B), study row 1; the deleted artifact is not replayed.
    expect(ids(replayed).sort()).toEqual([...uploaded, live].sort());
    expect(ids(replayed).at(-1)).toBe(live);

    // Each replayed event's cursor resumes right after it.
    const fromSecond = subscribe('created', {}, replayed[1]!.cursor, restarted);
    expect(ids(await take(fromSecond, 2))).toEqual(ids(replayed.slice(2)));
  });

  it('refuses to replay deletions of an earlier run (CURSOR_EXPIRED): they are not in the database', () => {
    const artifactId = upload({ kind: 'study', studyId });
    const cursor = events.currentCursor();
    remove(artifactId);
    watcher.stop();
    const restarted = new ArtifactEventLog<ArtifactRecord>();
    watcher = startArtifactWatcher(temporary.database, restarted, 3600);
    expectCursorExpired(() => subscribe('deleted', {}, cursor, restarted));
    expect(restarted.listenerCount()).toBe(0);
  });

  it('falls back to the database when the log no longer holds the cursor, for creations only', async () => {
    const small = new ArtifactEventLog<ArtifactRecord>({ capacity: 2 });
    watcher.stop();
    watcher = startArtifactWatcher(temporary.database, small, 3600);
    const cursor = small.currentCursor();
    const uploaded = [1, 2, 3].map(() => upload({ kind: 'trial', trialId: trialA }, small));
    expect(ids(await take(subscribe('created', {}, cursor, small), 3))).toEqual(uploaded);
    expectCursorExpired(() => subscribe('deleted', {}, cursor, small));
  });

  it('refuses creations after a cursor of a log that was not following the database (CURSOR_EXPIRED)', () => {
    const unseeded = new ArtifactEventLog<ArtifactRecord>();
    upload({ kind: 'trial', trialId: trialA }, unseeded);
    const cursor = unseeded.currentCursor();
    expectCursorExpired(() => subscribe('created', {}, cursor), /not following its database/);
  });

  it('refuses a replay longer than it serves (CURSOR_EXPIRED)', () => {
    const cursor = events.currentCursor();
    // Written by "another process" while no one was listening (one transaction keeps it quick).
    temporary.database.connection.transaction(() => {
      for (let index = 0; index < 10_001; index++) buildArtifact(temporary.database, { kind: 'trial', trialId: trialA });
    })();
    const restarted = new ArtifactEventLog<ArtifactRecord>();
    watcher.stop();
    watcher = startArtifactWatcher(temporary.database, restarted, 3600);
    expectCursorExpired(() => subscribe('created', {}, cursor, restarted), /more than 10000 events/);
    expect(restarted.listenerCount()).toBe(0);
  });
});

describe('since: an edge cursor of the artifacts list', () => {
  it('is refused for deletions (CURSOR_EXPIRED): the log cannot tell which came after the list was read', () => {
    upload({ kind: 'trial', trialId: trialA });
    const page = listArtifactsNewestFirst(temporary.database, {}, { first: 1, after: null });
    expectCursorExpired(() => subscribe('deleted', {}, page.edges[0]!.cursor));
    expect(events.listenerCount()).toBe(0);
  });

  it('replays what was created after the edge (another connection included), then goes live, once each', async () => {
    const older = upload({ kind: 'trial', trialId: trialA });
    const edge = upload({ kind: 'trial', trialId: trialA });
    const page = listArtifactsNewestFirst(temporary.database, {}, { first: 10, after: null });
    expect(page.edges.map((e) => e.artifact.artifactId)).toEqual([edge, older]);
    const after = [upload({ kind: 'study', studyId }), foreign.addTrialArtifact(trialB).artifactId];
    const resumed = subscribe('created', {}, page.edges[0]!.cursor);
    watcher.poll();
    const live = upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(resumed, 3)).sort()).toEqual([...after, live].sort());
  });
});

describe('since: not a cursor', () => {
  it('is refused as BAD_USER_INPUT', () => {
    expectBadUserInput(() => subscribe('created', {}, 'not-a-cursor'));
    expectBadUserInput(() => subscribe('deleted', {}, ''));
    expectBadUserInput(() => subscribe('deleted', {}, Buffer.from('artifact:v1:study:x:1').toString('base64url')));
    // Numbers past 2^53 would round to some other event or row.
    expectBadUserInput(() => subscribe('created', {}, Buffer.from('artifact:v1:study:99999999999999999999:1').toString('base64url')));
    expectBadUserInput(() => subscribe('created', {}, Buffer.from(`event:v1:${events.epoch}:99999999999999999999`).toString('base64url')));
    expect(events.listenerCount()).toBe(0);
  });
});

describe('EventQueue', () => {
  it('ends with an error, and stops listening, when the subscriber falls too far behind', async () => {
    let ended = 0;
    const queue = new EventQueue<number>(2, () => ended++);
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(ended).toBe(1);
    await expect(queue.next()).rejects.toThrow(/fell 2 events behind/);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('hands an item straight to a waiting next()', async () => {
    const queue = new EventQueue<string>(1, () => {});
    const pending = queue.next();
    queue.push('a');
    queue.push('b');
    expect(await pending).toEqual({ value: 'a', done: false });
    expect(await queue.next()).toEqual({ value: 'b', done: false });
  });
});
