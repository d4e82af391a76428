// The live feed's memory: every artifact creation and deletion this process has announced (its
// own uploads and deletes, and what the watcher noticed other processes do), numbered in
// order, so a subscriber can replay what came after a cursor and then go live without gaps or
// duplicates. Announcing is idempotent per artifact: exactly one `created`, then at most one
// `deleted`, whoever notices first.
//
// Event cursors name this run (an epoch) and a sequence number, plus a WATERMARK of the
// attribute tables' row ids (as the `artifacts` list cursors do, src/artifacts/artifact-cursor.ts):
// every artifact row at or below it had been announced by the time of the event, none above
// it. A server that restarted no longer knows the sequence, but the watermark still says
// which rows came later (see src/events/artifact-feed.ts).
import { randomBytes } from 'node:crypto';
import type { ArtifactPosition } from '../artifacts/artifact-cursor.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import type { AttributeRowIds } from '../db/artifact-attribute-queries.js';

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

/** What an event cursor says: whose log, which event, and the row-id watermark when known. */
export interface EventCursor {
  epoch: string;
  sequence: number;
  /** Absent when the log was not following the database (no watcher attached) at the time. */
  watermark: AttributeRowIds | undefined;
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

export class ArtifactEventLog<Artifact extends { readonly position?: ArtifactPosition } = ArtifactRecord> {
  /** Distinguishes this process's sequence numbers from an earlier run's (or another server's). */
  readonly epoch = randomBytes(6).toString('base64url');
  /** How many events are kept for replay (see ArtifactEventLogOptions). */
  readonly capacity: number;
  private readonly events: LoggedEvent<Artifact>[] = [];
  private nextSequence = 1;
  /** Artifacts announced (or existing at start) and not deleted since, with their owners. */
  private readonly liveArtifacts = new Map<string, ArtifactOwner>();
  /** The logged creation of each artifact still in `events`. */
  private readonly creations = new Map<string, LoggedEvent<Artifact>>();
  private readonly listeners = new Set<(event: ArtifactEvent<Artifact>) => void>();
  /** Every artifact row at or below these ids has been announced; undefined until seeded. */
  private covered: AttributeRowIds | undefined;
  private catchUpHook: CatchUp | undefined;

  constructor(options: ArtifactEventLogOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
  }

  /**
   * Marks the artifacts that existed when following the database began (they are not
   * announced), and the row ids up to which the database has been read.
   */
  seedExisting(
    artifacts: Iterable<readonly [artifactId: string, owner: ArtifactOwner]>,
    watermark: AttributeRowIds,
  ): void {
    for (const [artifactId, owner] of artifacts)
      this.liveArtifacts.set(artifactId, { studyId: owner.studyId, trialId: owner.trialId });
    this.advanceWatermark(watermark);
  }

  /** Records that every artifact row at or below `watermark` has been announced. */
  advanceWatermark(watermark: AttributeRowIds): void {
    this.covered = this.covered === undefined ? { ...watermark } : maxRowIds(this.covered, watermark);
  }

  /** The row ids up to which every artifact row has been announced; undefined when not following the database. */
  watermark(): AttributeRowIds | undefined {
    return this.covered === undefined ? undefined : { ...this.covered };
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
    if (this.covered !== undefined && artifact.position !== undefined) {
      // Rows below this one were committed earlier, and announced by the catch-up that came
      // first (publishCreated) or by the same look (the watcher).
      this.covered = maxRowIds(this.covered, rowIdsOfPosition(artifact.position));
    }
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
    return encodeEventCursor({ epoch: this.epoch, sequence: this.nextSequence - 1, watermark: this.covered });
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

  /** The logged creation of an artifact, while the log still keeps it. */
  creationOf(artifactId: string): ArtifactCreated<Artifact> | undefined {
    return this.creations.get(artifactId) as ArtifactCreated<Artifact> | undefined;
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
    const cursor = encodeEventCursor({ epoch: this.epoch, sequence, watermark: this.covered });
    const logged = { ...event, sequence, cursor } as LoggedEvent<Artifact>;
    this.events.push(logged);
    if (logged.kind === 'created') this.creations.set(logged.artifactId, logged);
    if (this.events.length > this.capacity) {
      const evicted = this.events.shift()!;
      if (this.creations.get(evicted.artifactId) === evicted) this.creations.delete(evicted.artifactId);
    }
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

const eventCursorPattern = /^event:v1:([A-Za-z0-9_-]+):(\d+)(?::(\d+):(\d+))?$/;

export function encodeEventCursor(cursor: EventCursor): string {
  const watermark =
    cursor.watermark === undefined ? '' : `:${cursor.watermark.studyRowId}:${cursor.watermark.trialRowId}`;
  return Buffer.from(`event:v1:${cursor.epoch}:${cursor.sequence}${watermark}`).toString('base64url');
}

/** The event cursor `text` encodes, or null when it is not one. */
export function decodeEventCursor(text: string): EventCursor | null {
  const match = eventCursorPattern.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match === null) return null;
  const numbers = match
    .slice(2)
    .filter((part) => part !== undefined)
    .map(Number);
  // Digits beyond 2^53 would be rounded into some other event or row: not a cursor we made.
  if (!numbers.every(Number.isSafeInteger)) return null;
  return {
    epoch: match[1]!,
    sequence: Number(match[2]),
    watermark: match[3] === undefined ? undefined : { studyRowId: Number(match[3]), trialRowId: Number(match[4]) },
  };
}

const maxRowIds = (a: AttributeRowIds, b: AttributeRowIds): AttributeRowIds => ({
  studyRowId: Math.max(a.studyRowId, b.studyRowId),
  trialRowId: Math.max(a.trialRowId, b.trialRowId),
});

/** The watermark that covers a row (and says nothing new about the other table). */
const rowIdsOfPosition = (position: ArtifactPosition): AttributeRowIds =>
  position.source === 'study'
    ? { studyRowId: position.rowId, trialRowId: 0 }
    : { studyRowId: 0, trialRowId: position.rowId };
