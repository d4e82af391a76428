// A subscription to artifact creations or deletions: first what happened after `since`, then
// live events, with no gap and no duplicate between the two. The live listener is registered
// (holding its events back) in the same synchronous step that takes the log's watermark and
// its replay, before any database read: an event after that step reaches the listener, an
// event before it is in the replay. A creation can be in both only when its row was read from
// the database just before its own announcement; the listener drops that second copy.
//
// `since` may be
//   - an event cursor of this run → the logged events after it;
//   - an event cursor of another instance on the same database, of an earlier run, or one
//     older than the log keeps → creations replayed from the database: the artifact rows its
//     position (feed-position.ts) does not cover, in id order, each with a cursor that covers
//     what was replayed so far;
//   - an edge cursor of the `artifacts` query (a watermark) → the same database replay.
// A live creation the cursor covers is not delivered again (an instance whose looks lag behind
// the one the cursor came from announces it later). A replay this server cannot prove complete
// is refused with CURSOR_EXPIRED rather than served with a gap: deletions from anything but a
// cursor this run's log still holds (deleted rows leave no trace in the database, and every
// instance finds them in its own order), or a replay longer than `replayLimit`.
import { decodeArtifactCursor } from '../artifacts/artifact-cursor.js';
import { artifactRecordFromRow, type ArtifactRecord } from '../artifacts/artifact-records.js';
import type { ArtifactRowFilter } from '../db/queries/artifact-attribute-queries.js';
import type { OptunaDatabase } from '../db/optuna-database.js';
import { AppError, badUserInput, cursorExpired } from '../errors.js';
import {
  databaseEpoch,
  decodeEventCursor,
  encodeEventCursor,
  eventMatches,
  type ArtifactEvent,
  type ArtifactEventLog,
} from './artifact-event-log.js';
import { EventQueue } from './event-queue.js';
import { copyPosition, covers, include, positionAt, settleTo, type FeedPosition } from './feed-position.js';

export type ArtifactEventKind = ArtifactEvent<ArtifactRecord>['kind'];

export interface ArtifactFeedSources {
  events: ArtifactEventLog<ArtifactRecord>;
  database: OptunaDatabase;
}

/**
 * Most events replayed to one subscriber, and most undelivered live events it may fall behind
 * by before its subscription ends with an error (it can resume from its last cursor).
 */
const replayLimit = 10_000;
const liveBacklogLimit = 10_000;

/** Where a `since` cursor says to resume from. */
type ResumePoint =
  | { kind: 'sequence'; sequence: number; position: FeedPosition | undefined }
  | { kind: 'position'; position: FeedPosition | undefined };

export async function subscribeToArtifactEvents<Kind extends ArtifactEventKind>(
  sources: ArtifactFeedSources,
  kind: Kind,
  filter: ArtifactRowFilter,
  since: string | null | undefined,
): Promise<AsyncIterableIterator<Extract<ArtifactEvent<ArtifactRecord>, { kind: Kind }>>> {
  type Event = Extract<ArtifactEvent<ArtifactRecord>, { kind: Kind }>;
  const { events } = sources;
  const resumeFrom = since == null ? undefined : resumePointOf(since, events.epoch);
  // What other processes committed so far is announced first, so the replay is complete.
  await events.catchUp();

  const heldBack: Event[] = [];
  let queue: EventQueue<Event> | undefined;
  const replayed = new Set<string>();
  const stopListening = events.listen((event) => {
    if (!eventMatches(event, kind, filter) || (event.kind === 'created' && replayed.delete(event.artifactId))) return;
    if (event.kind === 'created' && coveredBySince(resumeFrom, event)) return;
    if (queue === undefined) heldBack.push(event as Event);
    else queue.push(event as Event);
  });
  let replay: ArtifactEvent<ArtifactRecord>[];
  try {
    replay = resumeFrom === undefined ? [] : await replayAfter(sources, kind, filter, resumeFrom, events.position());
  } catch (error) {
    stopListening();
    throw error;
  }
  queue = new EventQueue<Event>(replay.length + liveBacklogLimit, () => stopListening());
  for (const event of replay) {
    queue.push(event as Event);
    if (event.kind === 'created') replayed.add(event.artifactId);
  }
  for (const event of heldBack) {
    if (!(event.kind === 'created' && replayed.delete(event.artifactId))) queue.push(event);
  }
  return queue;
}

function resumePointOf(since: string, epoch: string): ResumePoint {
  const eventCursor = decodeEventCursor(since);
  if (eventCursor !== null) {
    return eventCursor.epoch === epoch
      ? { kind: 'sequence', sequence: eventCursor.sequence, position: eventCursor.position }
      : { kind: 'position', position: eventCursor.position };
  }
  try {
    const listCursor = decodeArtifactCursor(since);
    return { kind: 'position', position: positionAt(listCursor) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw badUserInput('`since` must be the cursor of an earlier event or of an `artifacts` edge');
  }
}

/** Whether a live creation is one the subscriber had before `since` (on another instance). */
function coveredBySince(resumeFrom: ResumePoint | undefined, event: ArtifactEvent<ArtifactRecord>): boolean {
  const position = resumeFrom?.position;
  const row = event.kind === 'created' ? event.artifact.position : undefined;
  return position !== undefined && row !== undefined && covers(position, row);
}

/** `announced`: the log's position when the listener was registered. */
async function replayAfter(
  sources: ArtifactFeedSources,
  kind: ArtifactEventKind,
  filter: ArtifactRowFilter,
  resumeFrom: ResumePoint,
  announced: FeedPosition | undefined,
): Promise<ArtifactEvent<ArtifactRecord>[]> {
  const logged = resumeFrom.kind === 'sequence' ? loggedEventsAfter(sources.events, resumeFrom.sequence) : undefined;
  if (logged !== undefined) {
    const matching = logged.filter((event) => eventMatches(event, kind, filter));
    if (matching.length > replayLimit) throw tooFarBehind(kind);
    return matching;
  }
  if (kind === 'deleted') {
    throw cursorExpired(
      resumeFrom.kind === 'sequence'
        ? `\`since\` is older than the deletions this server remembers (its last ${sources.events.capacity} events); ${remedy.deleted}`
        : `deletions can only be replayed from an event cursor this server instance handed out since it started; ${remedy.deleted}`,
    );
  }
  if (resumeFrom.position === undefined) {
    throw cursorExpired(`\`since\` comes from a server that was not following its database; ${remedy.created}`);
  }
  return creationsAfter(sources, filter, resumeFrom.position, announced);
}

/** The logged events after `sequence`; undefined when the log no longer holds them all. */
function loggedEventsAfter(
  events: ArtifactEventLog<ArtifactRecord>,
  sequence: number,
): readonly ArtifactEvent<ArtifactRecord>[] | undefined {
  try {
    return events.eventsAfter(sequence);
  } catch {
    throw badUserInput('`since` names an event this server has not sent');
  }
}

/**
 * Artifacts whose metadata rows `since` does not cover, oldest first, as creation events. Only
 * rows the log had announced (`announced`; without a watcher, the rows there are now) are
 * replayed (the rest arrive live). Each event's cursor covers `since`, the rows replayed so far,
 * and the rows below them this instance has settled (the subscription's filter left them out).
 */
async function creationsAfter(
  sources: ArtifactFeedSources,
  filter: ArtifactRowFilter,
  since: FeedPosition,
  announcedWhenListening: FeedPosition | undefined,
): Promise<ArtifactEvent<ArtifactRecord>[]> {
  const { database } = sources;
  const announced = announcedWhenListening ?? positionAt(await database.artifactAttributes.rowIdBounds());
  const above = { studyRowId: since.study.settled, trialRowId: since.trial.settled };
  const rows = await database.artifactAttributes.newerThan(filter, above, replayLimit + 1);
  if (rows.length > replayLimit) throw tooFarBehind('created');
  const replay: ArtifactEvent<ArtifactRecord>[] = [];
  const replayed = new Set<string>();
  const delivered = copyPosition(since);
  for (const row of rows) {
    const position = { source: row.source, rowId: row.rowId };
    if (covers(since, position) || !covers(announced, position)) continue;
    const record = artifactRecordFromRow(row, database.log);
    // An artifact with two rows (an old dashboard row beside Optuna's) is replayed once.
    if (record === null || replayed.has(record.artifactId)) continue;
    replayed.add(record.artifactId);
    include(delivered, position);
    // Rows are in id order (a study row before the trial row of the same id): everything this
    // instance settled below this row has been replayed or does not match the filter.
    settleTo(delivered, {
      studyRowId: Math.min(row.rowId, announced.study.settled),
      trialRowId: Math.min(row.source === 'trial' ? row.rowId : row.rowId - 1, announced.trial.settled),
    });
    replay.push({
      kind: 'created',
      artifactId: record.artifactId,
      studyId: record.studyId,
      trialId: record.trialId,
      artifact: record,
      cursor: encodeEventCursor({ epoch: databaseEpoch, sequence: 0, position: copyPosition(delivered) }),
    });
  }
  return replay;
}

/** How a client carries on without a gap after CURSOR_EXPIRED. */
const remedy: Record<ArtifactEventKind, string> = {
  // A fresh list's edge cursor is always replayable: creations come back from the database.
  created: 'refetch the `artifacts` list and resume from its newest edge cursor',
  // Deletions after the list was read are only seen by a feed that was already listening.
  deleted: 'subscribe without `since`, then refetch the `artifacts` list',
};

const tooFarBehind = (kind: ArtifactEventKind): AppError =>
  cursorExpired(`more than ${replayLimit} events happened after \`since\`; ${remedy[kind]}`);
