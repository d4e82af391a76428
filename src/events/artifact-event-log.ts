// The live feed's memory: every artifact creation and deletion this process has seen (its own
// uploads and deletes, and what the watcher noticed other processes do), numbered in order,
// so a subscriber can replay what came after a cursor and then go live without gaps or
// duplicates.
import { randomBytes } from 'node:crypto';
import { FixedBuffer, Repeater } from 'graphql-yoga';

export interface ArtifactOwner {
  studyId: number;
  /** null for a study's own artifact. */
  trialId: number | null;
}

export interface ArtifactEvent<Artifact> extends ArtifactOwner {
  kind: 'created' | 'deleted';
  artifactId: string;
  /** Position in this process's log; the event's cursor encodes it. */
  sequence: number;
  /** The artifact as listed when it was created (deleted events carry it too, when known). */
  artifact: Artifact | undefined;
  cursor: string;
}

export interface EventFilter {
  kind: 'created' | 'deleted';
  studyId?: number | null;
  trialId?: number | null;
}

/** Why a cursor could not be used: the subscription reports it as BAD_USER_INPUT. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * How many events are kept for replay. A client away for longer than this many events has
 * to refetch the list (the `artifacts` query) instead.
 */
const defaultLogCapacity = 10_000;

/**
 * Events a slow subscriber may fall behind by before its subscription ends with an error
 * (rather than the server holding an unbounded queue for it).
 */
const subscriberQueueLimit = 10_000;

export class ArtifactEventLog<Artifact> {
  /** Distinguishes this process's sequence numbers from an earlier run's. */
  private readonly epoch = randomBytes(6).toString('base64url');
  private readonly events: ArtifactEvent<Artifact>[] = [];
  private nextSequence = 1;
  /** Artifacts whose creation was published and not yet their deletion: publishing is idempotent. */
  private readonly liveArtifactIds = new Set<string>();
  private readonly listeners = new Set<(event: ArtifactEvent<Artifact>) => void>();

  constructor(private readonly capacity = defaultLogCapacity) {}

  /** Marks artifacts that existed before this process started, so they are not announced. */
  seedExisting(artifactIds: Iterable<string>): void {
    for (const artifactId of artifactIds) this.liveArtifactIds.add(artifactId);
  }

  /** Records and fans out a creation; a second announcement of the same artifact is ignored. */
  publishCreated(artifactId: string, owner: ArtifactOwner, artifact: Artifact): boolean {
    if (this.liveArtifactIds.has(artifactId)) return false;
    this.liveArtifactIds.add(artifactId);
    this.append({ kind: 'created', artifactId, ...owner, artifact });
    return true;
  }

  /** Records and fans out a deletion; deleting what was never announced or is already gone is ignored. */
  publishDeleted(artifactId: string, owner: ArtifactOwner, artifact?: Artifact): boolean {
    if (!this.liveArtifactIds.delete(artifactId)) return false;
    this.append({ kind: 'deleted', artifactId, ...owner, artifact });
    return true;
  }

  isKnown(artifactId: string): boolean {
    return this.liveArtifactIds.has(artifactId);
  }

  knownArtifactIds(): ReadonlySet<string> {
    return this.liveArtifactIds;
  }

  /** The cursor that means "after everything so far". */
  currentCursor(): string {
    return this.cursorFor(this.nextSequence - 1);
  }

  /**
   * The events matching `filter` after `since` (replayed first), then live ones, until the
   * consumer stops. `since` is an event cursor, or an artifact id (the `artifacts` query's
   * cursors resolve to one): "after that artifact's creation".
   */
  subscribe(filter: EventFilter, since: { cursor: string } | { artifactId: string } | undefined): AsyncIterable<ArtifactEvent<Artifact>> {
    // Everything below up to `listeners.add` runs in one synchronous step, so no event can
    // fall between the replay and the live part, and none can be in both.
    const replay = since === undefined ? [] : this.eventsAfter(since).filter((event) => matches(event, filter));
    return new Repeater<ArtifactEvent<Artifact>>(async (push, stop) => {
      for (const event of replay) await push(event);
      const listener = (event: ArtifactEvent<Artifact>) => {
        if (matches(event, filter)) void push(event);
      };
      this.listeners.add(listener);
      await stop;
      this.listeners.delete(listener);
    }, new FixedBuffer(subscriberQueueLimit));
  }

  private eventsAfter(since: { cursor: string } | { artifactId: string }): ArtifactEvent<Artifact>[] {
    if ('artifactId' in since) {
      const creation = this.events.find((event) => event.kind === 'created' && event.artifactId === since.artifactId);
      // Not in the log: the artifact predates this process (or the log's memory), so
      // everything logged came after it.
      return creation === undefined ? [...this.events] : this.events.filter((event) => event.sequence > creation.sequence);
    }
    const sequence = this.sequenceOfCursor(since.cursor);
    if (sequence === undefined) return [...this.events]; // a cursor from an earlier run of the server
    const oldest = this.events[0]?.sequence ?? this.nextSequence;
    if (sequence < oldest - 1) {
      throw new InvalidCursorError('the cursor is older than the events this server keeps; refetch with the artifacts query');
    }
    return this.events.filter((event) => event.sequence > sequence);
  }

  private append(event: Omit<ArtifactEvent<Artifact>, 'sequence' | 'cursor'>): void {
    const sequence = this.nextSequence++;
    const logged: ArtifactEvent<Artifact> = { ...event, sequence, cursor: this.cursorFor(sequence) };
    this.events.push(logged);
    if (this.events.length > this.capacity) this.events.shift();
    for (const listener of this.listeners) listener(logged);
  }

  private cursorFor(sequence: number): string {
    return Buffer.from(`event:${this.epoch}:${sequence}`).toString('base64url');
  }

  /** The sequence a cursor of this run names; undefined for another run's cursor. */
  private sequenceOfCursor(cursor: string): number | undefined {
    const match = /^event:([A-Za-z0-9_-]+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (match === null) throw new InvalidCursorError('`since` is not a cursor this server gave out');
    if (match[1] !== this.epoch) return undefined;
    return Number(match[2]);
  }
}

function matches(event: ArtifactEvent<unknown>, filter: EventFilter): boolean {
  if (event.kind !== filter.kind) return false;
  if (filter.trialId != null) return event.trialId === filter.trialId && (filter.studyId == null || event.studyId === filter.studyId);
  if (filter.studyId != null) return event.studyId === filter.studyId;
  return true;
}
