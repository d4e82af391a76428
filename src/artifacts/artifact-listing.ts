// Newest-first pages of artifacts: across every owner matching a filter (paged in SQL), or of
// one owner whose artifacts are already loaded (paged in memory). Both hand out the watermark
// cursors of artifact-cursor.ts.
import type { ArtifactRowFilter, AttributeRowIds } from '../db/queries/artifact-attribute-queries.js';
import type { OptunaDatabase } from '../db/optuna-database.js';
import { DatabaseUnavailableError } from '../db/database-errors.js';
import {
  cursorOfArtifact,
  decodeArtifactCursor,
  encodeArtifactCursor,
  isAtOrBelow,
  minRowIds,
  rowIdsOlderThan,
} from './artifact-cursor.js';
import { artifactRecordFromRow, artifactRecordsFromRows, type ArtifactRecord } from './artifact-records.js';
import { recentArtifact } from './recent-artifacts.js';

export interface ArtifactPageRequest {
  /** Page size (already validated by the caller). */
  first: number;
  /** An edge cursor from an earlier page. */
  after: string | null;
}

export interface ArtifactEdge {
  /** Encoded when read: big listings rarely ask for their cursors. */
  readonly cursor: string;
  readonly artifact: ArtifactRecord;
  /** The artifact again, under the name a GraphQL edge gives it (so this is one). */
  readonly node: ArtifactRecord;
}

export interface ArtifactPage {
  edges: ArtifactEdge[];
  hasNextPage: boolean;
}

class PageEdge implements ArtifactEdge {
  constructor(
    readonly artifact: ArtifactRecord,
    private readonly bounds: AttributeRowIds,
  ) {}

  get cursor(): string {
    return encodeArtifactCursor(cursorOfArtifact(this.artifact.position, this.bounds));
  }

  get node(): ArtifactRecord {
    return this.artifact;
  }
}

/** The largest row ids a page may show: what existed when read, and older than `after`. */
function rowIdsOfPage(request: ArtifactPageRequest, current: AttributeRowIds): AttributeRowIds {
  return request.after === null ? current : minRowIds(current, rowIdsOlderThan(decodeArtifactCursor(request.after)));
}

/** Rows fetched beyond the page, so that a few skipped (malformed) rows rarely cost a second trip. */
const extraRows = 8;

/**
 * One page of the artifacts matching `filter`, newest first. `current` = the attribute tables'
 * largest row ids as this request saw them (read now when not given).
 */
export async function listArtifactsNewestFirst(
  database: OptunaDatabase,
  filter: ArtifactRowFilter,
  request: ArtifactPageRequest,
  current?: AttributeRowIds,
): Promise<ArtifactPage> {
  const bounds = rowIdsOfPage(request, current ?? (await database.artifactAttributes.rowIdBounds()));
  const wanted = request.first + 1;
  const records: ArtifactRecord[] = [];
  let atOrBelow: AttributeRowIds = bounds;
  for (;;) {
    const limit = wanted - records.length + extraRows;
    const rows = await database.artifactAttributes.page(filter, atOrBelow, limit);
    for (const row of rows) {
      const record = artifactRecordFromRow(row, database.log);
      if (record) records.push(record);
    }
    const last = rows.at(-1);
    if (records.length >= wanted || rows.length < limit || !last) break;
    atOrBelow = rowIdsOlderThan(cursorOfArtifact({ source: last.source, rowId: last.rowId }, atOrBelow));
  }
  return pageFromRecords(records.slice(0, wanted), request.first, bounds);
}

/** One page of artifacts already loaded newest first (one owner's), with the same cursors. */
export function pageOfLoadedArtifacts(
  newestFirst: readonly ArtifactRecord[],
  request: ArtifactPageRequest,
  current: AttributeRowIds,
): ArtifactPage {
  const bounds = rowIdsOfPage(request, current);
  const wanted = request.first + 1;
  const records: ArtifactRecord[] = [];
  for (const record of newestFirst) {
    if (records.length >= wanted) break;
    if (isAtOrBelow(record.position, bounds)) records.push(record);
  }
  return pageFromRecords(records, request.first, bounds);
}

function pageFromRecords(records: readonly ArtifactRecord[], first: number, bounds: AttributeRowIds): ArtifactPage {
  const count = Math.min(first, records.length);
  const edges = new Array<ArtifactEdge>(count);
  for (let index = 0; index < count; index += 1) edges[index] = new PageEdge(records[index]!, bounds);
  return { edges, hasNextPage: records.length > first };
}

/** How many artifacts match `filter` (rows are decoded: tombstones and malformed rows do not count). */
export async function countArtifacts(database: OptunaDatabase, filter: ArtifactRowFilter): Promise<number> {
  const rows = await database.artifactAttributes.page(filter, await database.artifactAttributes.rowIdBounds(), -1);
  return artifactRecordsFromRows(rows, database.log).length;
}

/** One artifact by id, with its owner study/trial and the trial's state; null when unknown. */
export async function findArtifact(database: OptunaDatabase, artifactId: string): Promise<ArtifactRecord | null> {
  return (await findArtifactsByIds(database, [artifactId])).get(artifactId) ?? null;
}

/**
 * How long a download waits for the database before answering from the metadata it read
 * last: a healthy database answers in a millisecond or two, a locked one may not for seconds.
 */
const databasePatienceMs = 100;

/**
 * One artifact by id, as findArtifact; but when the database has not answered within
 * `databasePatienceMs` (or gave up with DATABASE_UNAVAILABLE) and the artifact was read
 * recently, that metadata (see recent-artifacts.ts). Without it, waits as any read does.
 */
export async function findArtifactWithoutWaiting(
  database: OptunaDatabase,
  artifactId: string,
): Promise<ArtifactRecord | null> {
  const lookup = findArtifact(database, artifactId);
  const remembered = recentArtifact(artifactId);
  if (remembered === undefined) return lookup;
  // Answered or not, the lookup goes on; when it succeeds it refreshes the memory.
  lookup.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise<'impatient'>((resolve) => {
    timer = setTimeout(() => resolve('impatient'), databasePatienceMs);
  });
  try {
    const answer = await Promise.race([lookup, patience]);
    return answer === 'impatient' ? remembered : answer;
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) return remembered;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Artifacts by id; an id without a (well-formed) metadata row is absent. */
export async function findArtifactsByIds(
  database: OptunaDatabase,
  artifactIds: readonly string[],
): Promise<Map<string, ArtifactRecord>> {
  const found = new Map<string, ArtifactRecord>();
  for (const record of artifactRecordsFromRows(
    await database.artifactAttributes.byArtifactIds(artifactIds),
    database.log,
  )) {
    if (!found.has(record.artifactId)) found.set(record.artifactId, record);
  }
  return found;
}
