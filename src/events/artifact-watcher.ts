// Notices artifacts that OTHER processes write to the database (Python Optuna's
// upload_artifact, optuna-dashboard, another server) and announces them on the event log, as
// if this server had uploaded or deleted them itself.
//
// Each look is cheap when nothing changed: the database tells (artifactChangesSince) whether
// another connection committed since the last look. Only then are the artifact keys read (one
// query over the attribute tables) and compared with what the log knows: new keys are
// announced as created (oldest row first), vanished keys (or keys turned into tombstones) as
// deleted. The log also asks for a look before announcing anything of this process, so events
// follow commit order. One look runs at a time; asks during a look share the next one.
import { artifactRecordFromRow, type ArtifactRecord } from '../artifacts/artifact-records.js';
import { isArtifactTombstone, parseArtifactAttributeKey } from '../artifacts/artifact-meta.js';
import type { ArtifactRowsSnapshot, DataVersion, OptunaDatabase } from '../db/optuna-database.js';
import { logger } from '../logger.js';
import { describeError } from '../error-text.js';
import type { ArtifactEventLog } from './artifact-event-log.js';

export interface ArtifactWatcher {
  /** Looks for changes now (normally the timer does); resolves once a look begun after the call is done. */
  poll(): Promise<void>;
  stop(): void;
}

/**
 * Seeds the log with the artifacts that exist now (they are not announced) and starts looking
 * every `intervalSeconds`. The timer does not keep the process alive; `stop()` ends it.
 */
export async function startArtifactWatcher(
  database: OptunaDatabase,
  events: ArtifactEventLog<ArtifactRecord>,
  intervalSeconds: number,
): Promise<ArtifactWatcher> {
  const initial = await database.artifactChangesSince(null);
  let seenVersion: DataVersion = initial.version;
  const existing = new Map<string, ArtifactRecord>();
  // Oldest first, as if announced in order (deletions found in one look follow that order).
  for (const row of [...initial.snapshot!.rows].reverse()) {
    const record = artifactRecordFromRow(row, database.log);
    if (record !== null && !existing.has(record.artifactId)) existing.set(record.artifactId, record);
  }
  events.seedExisting(
    [...existing.values()].map((record) => [record.artifactId, record] as const),
    initial.snapshot!.bounds,
  );

  let stopped = false;
  /** Artifacts this process is about to announce itself: the next look leaves them alone. */
  const announcedByCaller = new Set<string>();
  let lookInProgress: Promise<void> | null = null;
  let nextLook: Promise<void> | null = null;

  const look = async (): Promise<void> => {
    const except = new Set(announcedByCaller);
    announcedByCaller.clear();
    try {
      const changes = await database.artifactChangesSince(seenVersion);
      if (stopped) return;
      seenVersion = changes.version;
      if (changes.snapshot !== null) announceChanges(changes.snapshot, except);
    } catch (error) {
      // A database locked past the busy timeout: the next look tries again.
      logger.warn('could not look for artifacts written by other processes', { error: describeError(error) });
    }
  };

  const poll = (exceptArtifactId?: string): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (exceptArtifactId !== undefined) announcedByCaller.add(exceptArtifactId);
    if (lookInProgress === null) {
      lookInProgress = look().finally(() => {
        lookInProgress = null;
      });
      return lookInProgress;
    }
    // The look in progress may have read the database before the caller's commit: one more.
    nextLook ??= lookInProgress.then(() => {
      nextLook = null;
      return poll();
    });
    return nextLook;
  };

  const announceChanges = (snapshot: ArtifactRowsSnapshot, except: ReadonlySet<string>): void => {
    const newestFirst = snapshot.rows;
    const known = events.knownArtifacts();
    const present = new Set<string>();
    const created = new Map<string, ArtifactRecord>();
    for (let index = newestFirst.length - 1; index >= 0; index--) {
      const row = newestFirst[index]!;
      const key = parseArtifactAttributeKey(row.key);
      if (key === null || isArtifactTombstone(row.key, row.valueJson)) continue;
      present.add(key.artifactId);
      if (known.has(key.artifactId) || except.has(key.artifactId) || created.has(key.artifactId)) continue;
      const record = artifactRecordFromRow(row, database.log); // null: malformed (logged once), not an artifact
      if (record !== null) created.set(record.artifactId, record);
    }
    const deleted = [...known].filter(([artifactId]) => !present.has(artifactId) && !except.has(artifactId));
    for (const record of created.values()) events.announceCreated(record.artifactId, record, record);
    for (const [artifactId, owner] of deleted) events.announceDeleted(artifactId, owner);
    events.advanceWatermark(snapshot.bounds);
  };

  events.setCatchUp(poll);
  const timer = setInterval(() => void poll(), intervalSeconds * 1000);
  timer.unref();

  return {
    poll: () => poll(),
    stop() {
      stopped = true;
      clearInterval(timer);
      events.setCatchUp(undefined);
    },
  };
}
