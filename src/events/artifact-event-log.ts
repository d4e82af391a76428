// The live feed's memory: every artifact creation and deletion this process has announced (its
// own uploads and deletes, and what the watcher noticed other processes do), numbered in
// order, so a subscriber can replay what came after a cursor and then go live without gaps or
// duplicates. Announcing is idempotent per artifact: exactly one `created`, then at most one
// `deleted`, whoever notices first.
//
// Event cursors name this run (an epoch) and a sequence number, plus the feed's POSITION in the
// database (feed-position.ts): which artifact rows had been announced by the time of the event.
// The sequence replays this run's log exactly; the position means the same on every instance
// on the database and after a restart (see src/events/artifact-feed.ts).
import { randomBytes } from 'node:crypto';
import type { ArtifactPosition } from '../artifacts/artifact-cursor.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import type { AttributeRowIds } from '../db/queries/artifact-attribute-queries.js';
import {
  copyPosition,
  decodeTablePosition,
  encodeTablePosition,
  include,
  positionAt,
  settleTo,
  type FeedPosition,
} from './feed-position.js';

export interface ArtifactOwner {
  studyId: number;
  /** null for a study's own artifact. */
  trialId: number | null;
}

interface EventFields extends ArtifactOwner {
  artifactId: string;
  /** Pass as a subscription's `since` to resume after this event. */
  cursor: string;
}

export interface ArtifactCreated<Artifact> extends EventFields {
  kind: 'created';
  /** The artifact as it was announced (it may have been deleted since). */
  artifact: Artifact;
}

export interface ArtifactDeleted<Artifact> extends EventFields {
  kind: 'deleted';
  /** The artifact as it was when deleted, when known. */
  artifact: Artifact | undefined;
}

export type ArtifactEvent<Artifact> = ArtifactCreated<Artifact> | ArtifactDeleted<Artifact>;

type LoggedEvent<Artifact> = ArtifactEvent<Artifact> & { sequence: number };

/** What an event cursor says: whose log, which event, and the feed's position in the database when known. */
export interface EventCursor {
  epoch: string;
  sequence: number;
  /** Absent when the log was not following the database (no watcher attached) at the time. */
  position: FeedPosition | undefined;
}

/**
 * Looks for changes other processes made and announces them (the watcher's `poll`), resolving
 * once a look that began after the call is done. The log runs it before announcing anything
 * itself, so that its events follow the database's commit order; `exceptArtifactId` is the one
 * the caller is about to announce. Never rejects.
 */
export type CatchUp = (exceptArtifactId?: string) => Promise<void>;

export interface ArtifactEventLogOptions {
  /**
   * How many events are kept for replay. A client away for longer resumes from the database
   * (creations) or has to refetch (deletions).
   * @default 10_000
   */
  capacity?: number;
}

/**
 * The epoch of cursors that belong to no log (a replay from the database): they resume from
 * their position on every instance. Logs' epochs are longer, so never equal to it.
 */
export const databaseEpoch = 'db';

export class ArtifactEventLog<Artifact extends { readonly position?: ArtifactPosition } = ArtifactRecord> {
  /** Distinguishes this process's sequence numbers from an earlier run's (or another server's). */
  readonly epoch = randomBytes(6).toString('base64url');
  /** How many events are kept for replay (see ArtifactEventLogOptions). */
  readonly capacity: number;
  private readonly events: LoggedEvent<Artifact>[] = [];
  private nextSequence = 1;
  /** Artifacts announced (or existing at start) and not deleted since, with their owners. */
  private readonly liveArtifacts = new Map<string, Readonly<ArtifactOwner>>();
  private readonly listeners = new Set<(event: ArtifactEvent<Artifact>) => void>();
  /** The artifact rows announced (feed-position.ts); undefined until seeded. */
  private covered: FeedPosition | undefined;
  private catchUpHook: CatchUp | undefined;

  constructor(options: ArtifactEventLogOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
  }

  /**
   * Marks an artifact that existed when following the database began (it is not announced).
   * `owner` is kept as it is (one object per artifact on a large database): it must not change.
   */
  seedExisting(artifactId: string, owner: Readonly<ArtifactOwner>): void {
    if (!this.liveArtifacts.has(artifactId)) this.liveArtifacts.set(artifactId, owner);
  }

  /** Starts following the database: every artifact row up to `watermark` has been seeded. */
  seeded(watermark: AttributeRowIds): void {
    this.covered = positionAt(watermark);
  }

  /** Records that every artifact row at or below `floors` has been announced or will never appear. */
  settle(floors: AttributeRowIds): void {
    if (this.covered !== undefined) settleTo(this.covered, floors);
  }

  /** Records a row the watcher found that announces nothing new (a second row of a known artifact). */
  markAnnounced(row: ArtifactPosition): void {
    if (this.covered !== undefined) include(this.covered, row);
  }

  /** The artifact rows announced so far; undefined when not following the database. */
  position(): FeedPosition | undefined {
    return this.covered === undefined ? undefined : copyPosition(this.covered);
  }

  /** Attaches (or detaches) the watcher that notices what other processes do. */
  setCatchUp(catchUp: CatchUp | undefined): void {
    this.catchUpHook = catchUp;
  }

  /** Announces what other processes committed so far (at once without a watcher). */
  async catchUp(exceptArtifactId?: string): Promise<void> {
    await this.catchUpHook?.(exceptArtifactId);
  }

  /**
   * Records and fans out this process's creation, right after its metadata row committed,
   * once what other processes committed before it is announced. A second announcement of the
   * same artifact is ignored (resolves false).
   */
  async publishCreated(artifactId: string, owner: ArtifactOwner, artifact: Artifact): Promise<boolean> {
    if (this.liveArtifacts.has(artifactId)) return false;
    await this.catchUp(artifactId);
    return this.announceCreated(artifactId, owner, artifact);
  }

  /** Records and fans out a creation the caller found in commit order (the watcher); false when known already. */
  announceCreated(artifactId: string, owner: ArtifactOwner, artifact: Artifact): boolean {
    if (this.liveArtifacts.has(artifactId)) return false;
    this.liveArtifacts.set(artifactId, { studyId: owner.studyId, trialId: owner.trialId });
    if (this.covered !== undefined && artifact.position !== undefined) include(this.covered, artifact.position);
    this.append({ kind: 'created', artifactId, studyId: owner.studyId, trialId: owner.trialId, artifact });
    return true;
  }

  /**
   * Records and fans out this process's deletion, once what other processes committed before it
   * is announced; deleting what was never announced or is already gone is ignored.
   */
  async publishDeleted(artifactId: string, owner: ArtifactOwner, artifact?: Artifact): Promise<boolean> {
    if (!this.liveArtifacts.has(artifactId)) return false;
    await this.catchUp(artifactId);
    return this.announceDeleted(artifactId, owner, artifact);
  }

  /** Records and fans out a deletion the caller found in commit order (the watcher); false when not known. */
  announceDeleted(artifactId: string, owner: ArtifactOwner, artifact?: Artifact): boolean {
    if (!this.liveArtifacts.has(artifactId)) return false;
    this.liveArtifacts.delete(artifactId);
    this.append({ kind: 'deleted', artifactId, studyId: owner.studyId, trialId: owner.trialId, artifact });
    return true;
  }

  isKnown(artifactId: string): boolean {
    return this.liveArtifacts.has(artifactId);
  }

  /** Announced (or pre-existing) artifacts not deleted since, with their owners. */
  knownArtifacts(): ReadonlyMap<string, ArtifactOwner> {
    return this.liveArtifacts;
  }

  /** The cursor that means "after everything so far". */
  currentCursor(): string {
    return encodeEventCursor({ epoch: this.epoch, sequence: this.nextSequence - 1, position: this.covered });
  }

  /**
   * The events after `sequence` (of this log), oldest first; undefined when some of them are no
   * longer kept. Throws for a sequence this log never reached.
   */
  eventsAfter(sequence: number): readonly ArtifactEvent<Artifact>[] | undefined {
    if (sequence >= this.nextSequence) throw new RangeError(`sequence ${sequence} has not happened yet`);
    const oldest = this.events[0]?.sequence ?? this.nextSequence;
    if (sequence < oldest - 1) return undefined;
    return this.events.slice(sequence - oldest + 1);
  }

  /** How many subscriptions are listening now. */
  listenerCount(): number {
    return this.listeners.size;
  }

  /** Calls `listener` synchronously with every event from now on; returns the unsubscribe function. */
  listen(listener: (event: ArtifactEvent<Artifact>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private append(event: Omit<ArtifactCreated<Artifact>, 'cursor'> | Omit<ArtifactDeleted<Artifact>, 'cursor'>): void {
    const sequence = this.nextSequence++;
    const cursor = encodeEventCursor({ epoch: this.epoch, sequence, position: this.covered });
    const logged = { ...event, sequence, cursor } as LoggedEvent<Artifact>;
    this.events.push(logged);
    if (this.events.length > this.capacity) this.events.shift();
    for (const listener of this.listeners) listener(logged);
  }
}

/** Whether `event` is one a subscription to `kind` with this owner filter receives (a trial filter implies its study). */
export function eventMatches(
  event: ArtifactEvent<unknown>,
  kind: ArtifactEvent<unknown>['kind'],
  filter: { studyId?: number | null; trialId?: number | null },
): boolean {
  if (event.kind !== kind) return false;
  if (filter.studyId != null && event.studyId !== filter.studyId) return false;
  if (filter.trialId != null && event.trialId !== filter.trialId) return false;
  return true;
}

// v1 (earlier releases): `event:v1:<epoch>:<sequence>[:<study row id>:<trial row id>]`, a
// watermark under which every row had been announced. v2: the two table positions.
const eventCursorPattern = /^event:(v1|v2):([A-Za-z0-9_-]+):(\d+)(?::([0-9+.-]+):([0-9+.-]+))?$/;

export function encodeEventCursor(cursor: EventCursor): string {
  const position =
    cursor.position === undefined
      ? ''
      : `:${encodeTablePosition(cursor.position.study)}:${encodeTablePosition(cursor.position.trial)}`;
  return Buffer.from(`event:v2:${cursor.epoch}:${cursor.sequence}${position}`).toString('base64url');
}

/** The event cursor `text` encodes, or null when it is not one. */
export function decodeEventCursor(text: string): EventCursor | null {
  const match = eventCursorPattern.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match === null) return null;
  const [, version, epoch, sequence, studyText, trialText] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
    string?,
  ];
  // Digits beyond 2^53 would be rounded into some other event or row: not a cursor we made.
  if (!Number.isSafeInteger(Number(sequence))) return null;
  if (studyText === undefined || trialText === undefined)
    return { epoch, sequence: Number(sequence), position: undefined };
  const study = decodeTablePosition(studyText);
  const trial = decodeTablePosition(trialText);
  if (study === null || trial === null) return null;
  // A v1 watermark is a settled id per table.
  if (version === 'v1' && (study.above.length > 0 || trial.above.length > 0)) return null;
  return { epoch, sequence: Number(sequence), position: { study, trial } };
}
