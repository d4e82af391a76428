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
import {
  buildArtifact,
  buildStudy,
  buildTrial,
  createTemporaryDatabase,
  type TemporaryDatabase,
} from '../db/optuna-factory.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';

let temporary: TemporaryDatabase;
let foreign: ForeignWriter;
let events: ArtifactEventLog<ArtifactRecord>;
let watcher: ArtifactWatcher;
let studyId: number;
let trialA: number;
let trialB: number;
const open: AsyncIterator<unknown>[] = [];

beforeEach(async () => {
  temporary = createTemporaryDatabase();
  studyId = (await buildStudy(temporary.database)).studyId;
  trialA = (await buildTrial(temporary.database, studyId)).trialId;
  trialB = (await buildTrial(temporary.database, studyId)).trialId;
  foreign = openForeignWriter(temporary.path);
  events = new ArtifactEventLog<ArtifactRecord>();
  watcher = await startArtifactWatcher(temporary.database, events, { intervalSeconds: 3600 });
});

afterEach(async () => {
  for (const iterator of open.splice(0)) await iterator.return?.();
  await watcher?.stop();
  foreign.close();
  temporary.remove();
});

/** What the upload pipeline does: the metadata row commits, then the creation is published. */
async function upload(owner: ArtifactOwner, log = events): Promise<string> {
  const { artifactId, row } = await buildArtifact(temporary.database, owner);
  const record = artifactRecordFromRow(row, temporary.database.log)!;
  await log.publishCreated(artifactId, record, record);
  return artifactId;
}

/** What deleteArtifact does: the rows go, then the deletion is published. */
async function remove(artifactId: string): Promise<void> {
  const [row] = await temporary.database.artifactAttributeWrites.delete(artifactId);
  await events.publishDeleted(artifactId, { studyId: row!.studyId, trialId: row!.trialId });
}

async function subscribe(
  kind: ArtifactEventKind,
  filter: { studyId?: number; trialId?: number } = {},
  since?: string,
  log = events,
) {
  const iterator = await subscribeToArtifactEvents({ events: log, database: temporary.database }, kind, filter, since);
  open.push(iterator);
  return iterator;
}

/** The next `count` events; fails instead of hanging when they do not come. */
async function take(
  iterator: AsyncIterator<ArtifactEvent<ArtifactRecord>>,
  count: number,
): Promise<ArtifactEvent<ArtifactRecord>[]> {
  const taken: ArtifactEvent<ArtifactRecord>[] = [];
  for (let index = 0; index < count; index++) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`event ${index + 1} of ${count} did not come`)), 2000),
      ),
    ]);
    if (next.done) throw new Error('the subscription ended');
    taken.push(next.value);
  }
  return taken;
}

const ids = (taken: ArtifactEvent<ArtifactRecord>[]) => taken.map((event) => event.artifactId);

async function expectRefusal(
  code: 'BAD_USER_INPUT' | 'CURSOR_EXPIRED',
  action: () => Promise<unknown>,
  message?: RegExp,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(isAppError(error) && error.code).toBe(code);
    if (message) expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}
const expectBadUserInput = (action: () => Promise<unknown>) => expectRefusal('BAD_USER_INPUT', action);
const expectCursorExpired = (action: () => Promise<unknown>, message?: RegExp) =>
  expectRefusal('CURSOR_EXPIRED', action, message);

describe('live events', () => {
  it('delivers what is published after subscribing, in order, filtered by owner', async () => {
    const everything = await subscribe('created');
    const ofTrialA = await subscribe('created', { trialId: trialA });
    const ofStudy = await subscribe('created', { studyId });
    const a1 = await upload({ kind: 'trial', trialId: trialA });
    const b1 = await upload({ kind: 'trial', trialId: trialB });
    const s1 = await upload({ kind: 'study', studyId });
    const a2 = await upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(everything, 4))).toEqual([a1, b1, s1, a2]);
    expect(ids(await take(ofStudy, 4))).toEqual([a1, b1, s1, a2]);
    expect(ids(await take(ofTrialA, 2))).toEqual([a1, a2]);
  });

  it('a trial filter with a study it does not belong to matches nothing', async () => {
    const otherStudy = (await buildStudy(temporary.database)).studyId;
    const mismatched = await subscribe('created', { studyId: otherStudy, trialId: trialA });
    const fence = await subscribe('created', { studyId: otherStudy });
    await upload({ kind: 'trial', trialId: trialA });
    const marker = await upload({ kind: 'study', studyId: otherStudy });
    expect(ids(await take(fence, 1))).toEqual([marker]);
    expect(events.listenerCount()).toBe(2);
    const pending = mismatched.next();
    const raced = await Promise.race([pending, Promise.resolve('nothing yet')]);
    expect(raced).toBe('nothing yet');
  });

  it('listens from the moment of subscribing, before the first next()', async () => {
    const subscription = await subscribe('created');
    const artifactId = await upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(subscription, 1))).toEqual([artifactId]);
  });

  it('stops listening when the subscriber returns, even before its first next()', async () => {
    const subscription = await subscribe('deleted');
    expect(events.listenerCount()).toBe(1);
    await subscription.return!();
    expect(events.listenerCount()).toBe(0);
  });

  it('delivers deletions with their owner', async () => {
    const artifactId = await upload({ kind: 'trial', trialId: trialB });
    const deletions = await subscribe('deleted', { trialId: trialB });
    await remove(artifactId);
    expect(await take(deletions, 1)).toMatchObject([{ kind: 'deleted', artifactId, studyId, trialId: trialB }]);
  });
});

describe('since: an event cursor of this run', () => {
  it('replays exactly what came after it, then goes live', async () => {
    const first = await subscribe('created', { trialId: trialA });
    await upload({ kind: 'trial', trialId: trialA });
    const [seen] = await take(first, 1);
    await first.return!();
    const missed = [
      await upload({ kind: 'trial', trialId: trialA }),
      await upload({ kind: 'trial', trialId: trialA }),
      await upload({ kind: 'trial', trialId: trialA }),
    ];
    await upload({ kind: 'trial', trialId: trialB }); // not for this subscriber
    const resumed = await subscribe('created', { trialId: trialA }, seen!.cursor);
    const live = await upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(resumed, 4))).toEqual([...missed, live]);
  });

  it('replays deletions after it', async () => {
    const [x, y] = [await upload({ kind: 'study', studyId }), await upload({ kind: 'study', studyId })];
    const cursor = events.currentCursor();
    await remove(x);
    await remove(y);
    expect(ids(await take(await subscribe('deleted', {}, cursor), 2))).toEqual([x, y]);
  });

  it('includes what another connection committed before subscribing, once', async () => {
    const cursor = events.currentCursor();
    const theirs = foreign.addTrialArtifact(trialA);
    const resumed = await subscribe('created', {}, cursor);
    await watcher.poll();
    const ours = await upload({ kind: 'trial', trialId: trialB });
    expect(ids(await take(resumed, 2))).toEqual([theirs.artifactId, ours]);
  });

  it('refuses a cursor naming an event that never happened', async () => {
    const forged = Buffer.from(`event:v1:${events.epoch}:99:0:0`).toString('base64url');
    await expectBadUserInput(() => subscribe('created', {}, forged));
  });
});

describe('since: older than the log keeps, or from an earlier run', () => {
  it('replays creations from the database rows above the watermark, oldest first', async () => {
    const cursor = events.currentCursor();
    const uploaded = [
      await upload({ kind: 'trial', trialId: trialA }),
      await upload({ kind: 'study', studyId }),
      await upload({ kind: 'trial', trialId: trialB }),
    ];
    const deletedMeanwhile = await upload({ kind: 'trial', trialId: trialA });
    await remove(deletedMeanwhile);

    // A restart: a new log (new epoch) following the same database.
    await watcher?.stop();
    const restarted = new ArtifactEventLog<ArtifactRecord>();
    watcher = await startArtifactWatcher(temporary.database, restarted, { intervalSeconds: 3600 });
    const resumed = await subscribe('created', {}, cursor, restarted);
    const live = await upload({ kind: 'trial', trialId: trialA }, restarted);
    const replayed = await take(resumed, 4);
    // Row-id order: trial rows 1 and 2 (A, B), study row 1; the deleted artifact is not replayed.
    expect(ids(replayed).sort()).toEqual([...uploaded, live].sort());
    expect(ids(replayed).at(-1)).toBe(live);

    // Each replayed event's cursor resumes right after it.
    const fromSecond = await subscribe('created', {}, replayed[1]!.cursor, restarted);
    expect(ids(await take(fromSecond, 2))).toEqual(ids(replayed.slice(2)));
  });

  it('refuses to replay deletions of an earlier run (CURSOR_EXPIRED): they are not in the database', async () => {
    const artifactId = await upload({ kind: 'study', studyId });
    const cursor = events.currentCursor();
    await remove(artifactId);
    await watcher?.stop();
    const restarted = new ArtifactEventLog<ArtifactRecord>();
    watcher = await startArtifactWatcher(temporary.database, restarted, { intervalSeconds: 3600 });
    await expectCursorExpired(() => subscribe('deleted', {}, cursor, restarted));
    expect(restarted.listenerCount()).toBe(0);
  });

  it('falls back to the database when the log no longer holds the cursor, for creations only', async () => {
    const small = new ArtifactEventLog<ArtifactRecord>({ capacity: 2 });
    await watcher?.stop();
    watcher = await startArtifactWatcher(temporary.database, small, { intervalSeconds: 3600 });
    const cursor = small.currentCursor();
    const uploaded = [
      await upload({ kind: 'trial', trialId: trialA }, small),
      await upload({ kind: 'trial', trialId: trialA }, small),
      await upload({ kind: 'trial', trialId: trialA }, small),
    ];
    expect(ids(await take(await subscribe('created', {}, cursor, small), 3))).toEqual(uploaded);
    await expectCursorExpired(() => subscribe('deleted', {}, cursor, small));
  });

  it('refuses creations after a cursor of a log that was not following the database (CURSOR_EXPIRED)', async () => {
    const unseeded = new ArtifactEventLog<ArtifactRecord>();
    await upload({ kind: 'trial', trialId: trialA }, unseeded);
    const cursor = unseeded.currentCursor();
    await expectCursorExpired(() => subscribe('created', {}, cursor), /not following its database/);
  });

  it('refuses a replay longer than it serves (CURSOR_EXPIRED)', async () => {
    const cursor = events.currentCursor();
    // Written by "another process" while no one was listening (one transaction keeps it quick).
    temporary.database.connection.exec('BEGIN');
    for (let index = 0; index < 10_001; index++)
      await buildArtifact(temporary.database, { kind: 'trial', trialId: trialA });
    temporary.database.connection.exec('COMMIT');
    const restarted = new ArtifactEventLog<ArtifactRecord>();
    await watcher?.stop();
    watcher = await startArtifactWatcher(temporary.database, restarted, { intervalSeconds: 3600 });
    await expectCursorExpired(() => subscribe('created', {}, cursor, restarted), /more than 10000 events/);
    expect(restarted.listenerCount()).toBe(0);
  });
});

describe('since: an edge cursor of the artifacts list', () => {
  it('is refused for deletions (CURSOR_EXPIRED): the log cannot tell which came after the list was read', async () => {
    await upload({ kind: 'trial', trialId: trialA });
    const page = await listArtifactsNewestFirst(temporary.database, {}, { first: 1, after: null });
    await expectCursorExpired(() => subscribe('deleted', {}, page.edges[0]!.cursor));
    expect(events.listenerCount()).toBe(0);
  });

  it('replays what was created after the edge (another connection included), then goes live, once each', async () => {
    const older = await upload({ kind: 'trial', trialId: trialA });
    const edge = await upload({ kind: 'trial', trialId: trialA });
    const page = await listArtifactsNewestFirst(temporary.database, {}, { first: 10, after: null });
    expect(page.edges.map((e) => e.artifact.artifactId)).toEqual([edge, older]);
    const after = [await upload({ kind: 'study', studyId }), foreign.addTrialArtifact(trialB).artifactId];
    const resumed = await subscribe('created', {}, page.edges[0]!.cursor);
    await watcher.poll();
    const live = await upload({ kind: 'trial', trialId: trialA });
    expect(ids(await take(resumed, 3)).sort()).toEqual([...after, live].sort());
  });
});

describe('a subscription and a publication waiting for the same look', () => {
  it('delivers the publication once, though the look that covers its row comes before its announcement', async () => {
    const edge = await upload({ kind: 'trial', trialId: trialA });
    const page = await listArtifactsNewestFirst(temporary.database, {}, { first: 1, after: null });
    expect(page.edges[0]!.artifact.artifactId).toBe(edge);
    const ours = await buildArtifact(temporary.database, { kind: 'trial', trialId: trialA });
    const record = artifactRecordFromRow(ours.row, temporary.database.log)!;

    // A look is under way; another connection commits; then both ask for the next look, which
    // reads our row (left to us to announce) and advances the watermark past it.
    const looking = watcher.poll();
    const theirs = foreign.addTrialArtifact(trialB).artifactId;
    const subscribing = subscribe('created', {}, page.edges[0]!.cursor);
    const publishing = events.publishCreated(ours.artifactId, record, record);
    const [resumed] = await Promise.all([subscribing, publishing, looking]);

    const later = await upload({ kind: 'study', studyId });
    expect(ids(await take(resumed, 3)).sort()).toEqual([ours.artifactId, theirs, later].sort());
  });
});

describe('since: not a cursor', () => {
  it('is refused as BAD_USER_INPUT', async () => {
    await expectBadUserInput(() => subscribe('created', {}, 'not-a-cursor'));
    await expectBadUserInput(() => subscribe('deleted', {}, ''));
    await expectBadUserInput(() =>
      subscribe('deleted', {}, Buffer.from('artifact:v1:study:x:1').toString('base64url')),
    );
    // Numbers past 2^53 would round to some other event or row.
    await expectBadUserInput(() =>
      subscribe('created', {}, Buffer.from('artifact:v1:study:99999999999999999999:1').toString('base64url')),
    );
    await expectBadUserInput(() =>
      subscribe('created', {}, Buffer.from(`event:v1:${events.epoch}:99999999999999999999`).toString('base64url')),
    );
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

  it('wakes many waiting transports a batch per turn of the event loop, so other work runs in between, each in order', async () => {
    const queues = Array.from({ length: 250 }, () => new EventQueue<number>(10, () => {}));
    const received: number[][] = queues.map(() => []);
    const consumers = queues.map(async (queue, index) => {
      for (let item = 0; item < 2; item++) received[index]!.push((await queue.next()).value as number);
    });
    for (const queue of queues) queue.push(1);
    for (const queue of queues) queue.push(2);
    // Nothing in the publisher's own step; after one turn, one batch.
    expect(received.filter((items) => items.length > 0)).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    const afterOneTurn = received.filter((items) => items.length > 0).length;
    expect(afterOneTurn).toBeGreaterThan(0);
    expect(afterOneTurn).toBeLessThan(queues.length);
    await Promise.all(consumers);
    expect(received.every((items) => items.join() === '1,2')).toBe(true);
  });

  it('hands an item to a waiting next() without counting it as backlog', async () => {
    const queue = new EventQueue<string>(1, () => {});
    const pending = queue.next();
    queue.push('a');
    queue.push('b');
    expect(await pending).toEqual({ value: 'a', done: false });
    expect(await queue.next()).toEqual({ value: 'b', done: false });
  });
});
