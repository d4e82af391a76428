// Notices artifacts that OTHER processes write to the database (Python Optuna's
// upload_artifact, optuna-dashboard, another server) and announces them on the event log, as
// if this server had uploaded or deleted them itself.
//
// Each look is cheap when nothing changed: SQLite's `PRAGMA data_version` changes only when
// another connection committed. Only then are the artifact keys read (one query over the
// attribute tables) and compared with what the log knows: new keys are announced as created
// (oldest row first), vanished keys (or keys turned into tombstones) as deleted. The log also
// runs a look before announcing anything of this process, so events follow commit order.
import { artifactRecordFromRow, type ArtifactRecord } from '../artifacts/artifact-records.js';
import { parseArtifactAttributeKey } from '../artifacts/artifact-meta.js';
import type { ArtifactAttributeRow, AttributeRowIds } from '../db/artifact-attribute-queries.js';
import type { OptunaDatabase } from '../db/optuna-database.js';
import { logger } from '../logger.js';
import type { ArtifactEventLog } from './artifact-event-log.js';

export interface ArtifactWatcher {
  /** Looks for changes now (normally the timer does). */
  poll(): void;
  stop(): void;
}

/** Every attribute row id, in both tables: "no upper bound". */
const allRows: AttributeRowIds = { studyRowId: Number.MAX_SAFE_INTEGER, trialRowId: Number.MAX_SAFE_INTEGER };

/**
 * Seeds the log with the artifacts that exist now (they are not announced) and starts looking
 * every `intervalSeconds`. The timer does not keep the process alive; `stop()` ends it.
 */
export function startArtifactWatcher(database: OptunaDatabase, events: ArtifactEventLog<ArtifactRecord>, intervalSeconds: number): ArtifactWatcher {
  const dataVersion = (): number => database.connection.pragma('data_version', { simple: true }) as number;
  /** Artifact rows and the tables' largest row ids, read in one snapshot. */
  const readArtifactRows = database.connection.transaction((): { rows: ArtifactAttributeRow[]; bounds: AttributeRowIds } => ({
    rows: database.artifactAttributes.page({}, allRows, -1),
    bounds: database.artifactAttributes.rowIdBounds(),
  }));

  let seenDataVersion = dataVersion();
  const initial = readArtifactRows();
  const existing = new Map<string, ArtifactRecord>();
  // Oldest first, as if announced in order (deletions found in one look follow that order).
  for (const row of [...initial.rows].reverse()) {
    const record = artifactRecordFromRow(row, database.log);
    if (record !== null && !existing.has(record.artifactId)) existing.set(record.artifactId, record);
  }
  events.seedExisting(
    [...existing.values()].map((record) => [record.artifactId, record] as const),
    initial.bounds,
  );

  let looking = false;
  let stopped = false;
  const poll = (exceptArtifactId?: string): void => {
    // Announcing calls back into poll (the log catches up first): one look at a time.
    if (looking || stopped) return;
    looking = true;
    try {
      const version = dataVersion();
      if (version === seenDataVersion) return;
      const { rows, bounds } = readArtifactRows();
      seenDataVersion = version;
      announceChanges(rows, bounds, exceptArtifactId);
    } catch (error) {
      // A locked or briefly unreadable database: the next look tries again.
      logger.warn('could not look for artifacts written by other processes', { error: String(error) });
    } finally {
      looking = false;
    }
  };

  const announceChanges = (newestFirst: readonly ArtifactAttributeRow[], bounds: AttributeRowIds, exceptArtifactId: string | undefined): void => {
    const known = events.knownArtifacts();
    const present = new Set<string>();
    const created = new Map<string, ArtifactRecord>();
    for (let index = newestFirst.length - 1; index >= 0; index--) {
      const row = newestFirst[index]!;
      const key = parseArtifactAttributeKey(row.key);
      if (key === null || isTombstone(row.valueJson)) continue;
      present.add(key.artifactId);
      if (known.has(key.artifactId) || key.artifactId === exceptArtifactId || created.has(key.artifactId)) continue;
      const record = artifactRecordFromRow(row, database.log); // null: malformed (logged once), not an artifact
      if (record !== null) created.set(record.artifactId, record);
    }
    const deleted = [...known].filter(([artifactId]) => !present.has(artifactId) && artifactId !== exceptArtifactId);
    for (const record of created.values()) events.publishCreated(record.artifactId, record, record);
    for (const [artifactId, owner] of deleted) events.publishDeleted(artifactId, owner);
    events.advanceWatermark(bounds);
  };

  events.setCatchUp(poll);
  const timer = setInterval(() => poll(), intervalSeconds * 1000);
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

/** optuna-dashboard "deletes" by writing `json.dumps(None)` over the key: no artifact any more. */
const isTombstone = (valueJson: string | null): boolean => valueJson === '"null"' || valueJson === 'null';
