// Notices artifacts that OTHER processes write to the database (Python Optuna's
// upload_artifact, optuna-dashboard, other instances of this server) and announces them on the
// event log, as if this server had uploaded or deleted them itself. One implementation for
// SQLite, PostgreSQL and MySQL; a look's cost follows the change, not the database's size:
//
// - Creations: each look re-reads the artifact rows above a FLOOR per table. Row ids are handed
//   out before commit (PostgreSQL sequences, MySQL auto-increment), so a row may commit after a
//   higher one was seen: the floor is the largest id that existed at a look begun at least
//   `overlapMs` before the latest look, and rows above it are read again (known ones skipped,
//   an artifact announced once whatever its rows). A transaction holding its row id longer than
//   that window before committing is found by the rolling check below instead, late.
// - Deletions and optuna-dashboard's in-place `null` tombstones: rows above the floor are
//   compared in full; below it, each look compares one range of `rangeSize` ids per table by a
//   count and id sum of its live artifact rows, and re-reads the range only when they differ.
//   The ranges go round the table, so at 1,000,000 rows and the default 4,096 ids a range (a
//   millisecond of database time) a deletion by Python or the dashboard is announced within 245
//   looks: about 4 minutes at --watch-interval 1. The sums see a tombstone spelled as
//   optuna-dashboard writes it (`null` / `"null"`); rarer spellings that decode to null too are
//   found when their row is read again (above the floor, or in a range re-read for a change). Deletions by instances on PostgreSQL come with a NOTIFY naming their rows: their ranges
//   are re-read at the next look, at once.
// - SQLite's data_version tells when no other connection has committed: the look reads nothing
//   (once the rolling check has gone round the tables since the last change).
// - On PostgreSQL every instance LISTENs: a notice (sent by an instance's write transaction when
//   it commits) makes it look at once; elsewhere the looks run every `intervalSeconds`.
//
// The floors become the log's settled position (feed-position.ts): event cursors say which
// rows were announced in the database's terms, so they mean the same on every instance. The log
// also asks for a look before announcing anything of this process, so events follow commit
// order. One look runs at a time; asks during a look share the next one. Memory: one entry
// per artifact row, about 300 bytes of heap with the event log's (1,000,000 rows: 300 MiB),
// read at start in pages between which requests are served.
import { artifactRecordFromRow, decodeArtifactRecord, type ArtifactRecord } from '../artifacts/artifact-records.js';
import { parseArtifactAttributeKey } from '../artifacts/artifact-meta.js';
import type {
  ArtifactAttributeRow,
  AttributeRowIds,
  AttributeSource,
  RowIdRange,
} from '../db/queries/artifact-attribute-queries.js';
import type { ArtifactWatchAnswer, ArtifactWriteNotice, DataVersion, OptunaDatabase } from '../db/optuna-database.js';
import { describeError } from '../error-text.js';
import { logger } from '../logger.js';
import type { ArtifactEventLog } from './artifact-event-log.js';

export interface ArtifactWatcher {
  /** Looks for changes now (normally the timer does); resolves once a look begun after the call is done. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

export interface ArtifactWatcherOptions {
  /** Seconds between looks (the timer does not keep the process alive). */
  intervalSeconds: number;
  /**
   * How long a transaction may hold its row id before committing and still be announced in id
   * order by the next look. @default 10_000
   */
  overlapMs?: number;
  /** Row ids per range of the rolling check for deletions. @default 4096 */
  rangeSize?: number;
}

/** A live artifact row the watcher knows (see `countsAsLive`). */
interface KnownRow {
  /** The artifact id its key names (null for an unreadable legacy key). */
  artifactId: string | null;
  /** False for a malformed row: counted by the range sums, never announced. */
  isArtifact: boolean;
  studyId: number;
  trialId: number | null;
}

/** The rows of one table: by id, and the count and id sum per range of the rolling check. */
interface KnownTable {
  rows: Map<number, KnownRow>;
  ranges: Map<number, { count: number; idSum: number }>;
  /** The next range the rolling check compares. */
  nextRange: number;
}

const sources: readonly AttributeSource[] = ['study', 'trial'];
/**
 * Row ids read per statement while seeding: bounded memory on a large database, and the event
 * loop free for requests between pages (a page takes some tens of milliseconds).
 */
const seedPageIds = 10_000;
/** Databases with more attribute row ids than this get a log line before and after seeding. */
const seedLogRowIds = 100_000;

/**
 * The rows the database's range sums count: an artifact key whose value is not a tombstone
 * (the same rule as the watch queries in src/db: `value_json` neither `null` nor `"null"`).
 */
const countsAsLive = (row: ArtifactAttributeRow): boolean => row.valueJson !== 'null' && row.valueJson !== '"null"';

/**
 * Seeds the log with the artifacts that exist now (they are not announced) and starts looking
 * every `intervalSeconds`, and at once when another instance notifies a write. `stop()` ends it.
 */
export async function startArtifactWatcher(
  database: OptunaDatabase,
  events: ArtifactEventLog<ArtifactRecord>,
  options: ArtifactWatcherOptions,
): Promise<ArtifactWatcher> {
  const overlapMs = options.overlapMs ?? 10_000;
  const rangeSize = options.rangeSize ?? 4096;
  const tables: Record<AttributeSource, KnownTable> = {
    study: { rows: new Map(), ranges: new Map(), nextRange: 0 },
    trial: { rows: new Map(), ranges: new Map(), nextRange: 0 },
  };
  const rangeOf = (rowId: number): number => Math.floor(rowId / rangeSize);
  const rangeIds = (range: number): RowIdRange => ({ first: range * rangeSize, last: (range + 1) * rangeSize - 1 });

  const remember = (row: ArtifactAttributeRow, isArtifact: boolean): KnownRow => {
    const table = tables[row.source];
    const known = { artifactId: artifactIdOfKey(row.key), isArtifact, studyId: row.studyId, trialId: row.trialId };
    table.rows.set(row.rowId, known);
    const sums = table.ranges.get(rangeOf(row.rowId));
    if (sums === undefined) table.ranges.set(rangeOf(row.rowId), { count: 1, idSum: row.rowId });
    else {
      sums.count += 1;
      sums.idSum += row.rowId;
    }
    return known;
  };
  const forget = (source: AttributeSource, rowId: number): KnownRow | undefined => {
    const table = tables[source];
    const known = table.rows.get(rowId);
    if (known === undefined) return undefined;
    table.rows.delete(rowId);
    const sums = table.ranges.get(rangeOf(rowId))!;
    sums.count -= 1;
    sums.idSum -= rowId;
    return known;
  };

  // ---- Seeding: every row up to the tables' largest ids now, page by page; rows above are the first look's. ----
  const firstLook = await database.watchArtifacts({
    since: null,
    above: { studyRowId: Number.MAX_SAFE_INTEGER, trialRowId: Number.MAX_SAFE_INTEGER },
    summarize: { study: null, trial: null },
  });
  const seededBounds = firstLook.changes!.bounds;
  const seedStartedAt = Date.now();
  const largeDatabase = seededBounds.studyRowId + seededBounds.trialRowId > seedLogRowIds;
  // On a large database this takes a while (1,000,000 rows: tens of seconds); say why start-up waits.
  if (largeDatabase)
    logger.info('reading the artifact rows once before following the database (requests are served meanwhile)', {
      rowIds: seededBounds,
    });
  let knownArtifacts = 0;
  for (const source of sources) {
    const last = source === 'study' ? seededBounds.studyRowId : seededBounds.trialRowId;
    for (let first = 0; first <= last; first += seedPageIds) {
      const page = { first, last: Math.min(first + seedPageIds - 1, last) };
      const rows = await database.artifactAttributes.inRowIdRanges({
        study: source === 'study' ? page : null,
        trial: source === 'trial' ? page : null,
      });
      for (const row of rows) {
        if (!countsAsLive(row)) continue;
        // Decoded only to tell artifacts from malformed rows (logged once): nothing is cached.
        const record = decodeArtifactRecord(row, database.log);
        const known = remember(row, record !== null);
        if (record !== null) {
          events.seedExisting(record.artifactId, known);
          knownArtifacts += 1;
        }
      }
      // Requests are served between pages: the server is listening while a large database is read.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  events.seeded(seededBounds);
  if (largeDatabase)
    logger.info('artifact rows read; following the database', {
      artifactRows: knownArtifacts,
      seconds: Math.round((Date.now() - seedStartedAt) / 100) / 10,
    });

  let stopped = false;
  // The seeding pages were read after this version: a commit since then makes the first look read.
  let version: DataVersion | null = firstLook.version;
  /**
   * Looks still to read before the rolling check has gone round every range since the last
   * change: a change read in one range may have company in ranges not compared yet, so the
   * "nothing committed" shortcut waits for a full round.
   */
  let roundsLeft = 0;
  /** Rows above these ids are read by every look. */
  let floor: AttributeRowIds = seededBounds;
  /** The tables' largest ids at each recent look, oldest first (the floor comes from them). */
  const history: { at: number; bounds: AttributeRowIds }[] = [{ at: Date.now(), bounds: seededBounds }];
  /** Ranges to re-read at the next look (another instance's deletions, notified). */
  const ranges: Record<AttributeSource, Set<number>> = { study: new Set(), trial: new Set() };
  /** Artifacts this process is about to announce itself: the next look leaves them alone. */
  const announcedByCaller = new Set<string>();
  let lookInProgress: Promise<void> | null = null;
  let nextLook: Promise<void> | null = null;

  /** Announces a live row new to the watcher (unless the caller announces it). */
  const found = (row: ArtifactAttributeRow, except: ReadonlySet<string>): void => {
    const record = artifactRecordFromRow(row, database.log);
    remember(row, record !== null);
    if (record === null || except.has(record.artifactId)) return;
    if (!events.announceCreated(record.artifactId, record, record)) events.markAnnounced(record.position);
  };
  /**
   * A known row read again: its value may have been rewritten in place — a tombstone the range
   * sums still count (`" null"`, `"\\u006eull"`: optuna-dashboard's delete in other spellings)
   * is a deletion; a repaired row, a creation.
   */
  const rewritten = (row: ArtifactAttributeRow, known: KnownRow, except: ReadonlySet<string>): void => {
    const record = artifactRecordFromRow(row, database.log);
    if (known.isArtifact === (record !== null)) return;
    known.isArtifact = record !== null;
    if (record !== null) {
      if (!except.has(record.artifactId) && !events.announceCreated(record.artifactId, record, record))
        events.markAnnounced(record.position);
    } else if (known.artifactId !== null && !except.has(known.artifactId)) {
      events.announceDeleted(known.artifactId, { studyId: known.studyId, trialId: known.trialId });
    }
  };
  /** Announces that a known row is gone (or became a tombstone). */
  const lost = (source: AttributeSource, rowId: number, except: ReadonlySet<string>): void => {
    const known = forget(source, rowId);
    if (known === undefined || !known.isArtifact || known.artifactId === null || except.has(known.artifactId)) return;
    events.announceDeleted(known.artifactId, { studyId: known.studyId, trialId: known.trialId });
  };

  /**
   * Compares `rows` (every artifact row with an id in the ranges, oldest first) with what is
   * known there: creations are announced in row order, then what vanished.
   */
  const reconcile = (
    ranges: Partial<Record<AttributeSource, RowIdRange>>,
    rows: readonly ArtifactAttributeRow[],
    except: ReadonlySet<string>,
  ): void => {
    const present: Record<AttributeSource, Set<number>> = { study: new Set(), trial: new Set() };
    for (const row of rows) {
      if (!countsAsLive(row)) continue;
      present[row.source].add(row.rowId);
      const known = tables[row.source].rows.get(row.rowId);
      // SQLite gives a deleted newest row's id to the next insert: another artifact, same id.
      if (known !== undefined && known.artifactId !== artifactIdOfKey(row.key)) lost(row.source, row.rowId, except);
      const current = tables[row.source].rows.get(row.rowId);
      if (current === undefined) found(row, except);
      else rewritten(row, current, except);
    }
    for (const source of sources) {
      const range = ranges[source];
      if (range === undefined) continue;
      const table = tables[source].rows;
      const last = Math.min(range.last, largestKnown[source]);
      for (let rowId = range.first; rowId <= last; rowId++) {
        if (table.has(rowId) && !present[source].has(rowId)) lost(source, rowId, except);
      }
    }
  };
  const largestKnown: Record<AttributeSource, number> = {
    study: seededBounds.studyRowId,
    trial: seededBounds.trialRowId,
  };

  /** The next range of the rolling check of each table; null while a table has no row below the floor. */
  const rollingRange = (source: AttributeSource): RowIdRange | null => {
    const below = source === 'study' ? floor.studyRowId : floor.trialRowId;
    if (below <= 0) return null;
    const table = tables[source];
    if (table.nextRange > rangeOf(below)) table.nextRange = 0;
    // The whole range, rows above the floor included: they are known as of this same snapshot.
    return rangeIds(table.nextRange);
  };

  const look = async (): Promise<void> => {
    const except = new Set(announcedByCaller);
    announcedByCaller.clear();
    const startedAt = Date.now();
    try {
      const rolling = { study: rollingRange('study'), trial: rollingRange('trial') };
      const since = roundsLeft > 0 ? null : version;
      const answer = await database.watchArtifacts({ since, above: floor, summarize: rolling });
      if (stopped) return;
      if (answer.version !== version) roundsLeft = 1 + Math.max(rangeOf(floor.studyRowId), rangeOf(floor.trialRowId));
      version = answer.version;
      if (answer.changes !== null) {
        roundsLeft -= 1;
        applyLook(answer.changes, rolling, except);
        history.push({ at: startedAt, bounds: answer.changes.bounds });
      } else {
        // Nothing committed since the last read: as good as reading the same rows again.
        history.push({ at: startedAt, bounds: history.at(-1)!.bounds });
      }
      for (const source of sources) {
        for (const range of ranges[source]) {
          ranges[source].delete(range);
          const ids = rangeIds(range);
          const rows = await database.artifactAttributes.inRowIdRanges({
            study: source === 'study' ? ids : null,
            trial: source === 'trial' ? ids : null,
          });
          if (stopped) return;
          reconcile({ [source]: ids }, rows, except);
        }
      }
      raiseFloor(startedAt);
    } catch (error) {
      // A database locked past the busy timeout, or unreachable: the next look tries again.
      logger.warn('could not look for artifacts written by other processes', { error: describeError(error) });
    }
  };

  const applyLook = (
    changes: NonNullable<ArtifactWatchAnswer['changes']>,
    rolling: Record<AttributeSource, RowIdRange | null>,
    except: ReadonlySet<string>,
  ): void => {
    for (const source of sources) {
      const bound = source === 'study' ? changes.bounds.studyRowId : changes.bounds.trialRowId;
      largestKnown[source] = Math.max(largestKnown[source], bound);
    }
    // Rows above the floor, oldest first: creations in id order, then what vanished up there.
    reconcile(
      {
        study: { first: floor.studyRowId + 1, last: Number.MAX_SAFE_INTEGER },
        trial: { first: floor.trialRowId + 1, last: Number.MAX_SAFE_INTEGER },
      },
      changes.rows,
      except,
    );
    // The rolling check: a range whose sums differ is re-read in this look.
    for (const source of sources) {
      const range = rolling[source];
      if (range === null) continue;
      const expected = tables[source].ranges.get(rangeOf(range.first)) ?? { count: 0, idSum: 0 };
      const actual = changes.summaries[source];
      if (actual.count !== expected.count || actual.idSum !== expected.idSum) ranges[source].add(rangeOf(range.first));
      tables[source].nextRange = rangeOf(range.first) + 1;
    }
  };

  /** The floor rises to the largest ids of the newest look begun `overlapMs` before this one. */
  const raiseFloor = (lookStartedAt: number): void => {
    let newest = -1;
    for (let index = 0; index < history.length; index++) {
      if (history[index]!.at <= lookStartedAt - overlapMs) newest = index;
    }
    if (newest < 0) return;
    const bounds = history[newest]!.bounds;
    history.splice(0, newest);
    floor = {
      studyRowId: Math.max(floor.studyRowId, bounds.studyRowId),
      trialRowId: Math.max(floor.trialRowId, bounds.trialRowId),
    };
    events.settle(floor);
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

  const onNotice = (notice: ArtifactWriteNotice | null): void => {
    // A deletion may be below the floor: its range is re-read. Null: notices were lost, look now.
    if (notice?.kind === 'deleted') for (const rowId of notice.rowIds) ranges[notice.source].add(rangeOf(rowId));
    void poll();
  };

  events.setCatchUp(poll);
  const stopListening = await database.listenForArtifactWrites({ onNotice });
  const timer = setInterval(() => void poll(), options.intervalSeconds * 1000);
  timer.unref();

  return {
    poll: () => poll(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      events.setCatchUp(undefined);
      await stopListening?.();
    },
  };
}

/** The artifact id a row's key names (null for an unreadable legacy key). */
const artifactIdOfKey = (key: string): string | null => parseArtifactAttributeKey(key)?.artifactId ?? null;
