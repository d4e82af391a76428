// Where a live feed stands, in terms of the database rather than of a process: per attribute
// table, a SETTLED row id (every artifact row at or below it has been announced, or will never
// appear) and the ids of the rows above it announced too (rows that committed out of id order
// leave holes below them for a while: see artifact-watcher.ts). Event cursors carry a position,
// so a cursor means the same on every instance on the database: "these rows, and no others".
import type { ArtifactPosition } from '../artifacts/artifact-cursor.js';
import type { AttributeRowIds, AttributeSource } from '../db/queries/artifact-attribute-queries.js';

export interface TablePosition {
  settled: number;
  /** Announced rows above `settled`, ascending. */
  above: number[];
}

export type FeedPosition = Record<AttributeSource, TablePosition>;

/** Nothing announced yet: every row is to come. */
export const startOfDatabase = (): FeedPosition => ({
  study: { settled: 0, above: [] },
  trial: { settled: 0, above: [] },
});

/** Every row at or below `rowIds`, nothing above. */
export const positionAt = (rowIds: AttributeRowIds): FeedPosition => ({
  study: { settled: rowIds.studyRowId, above: [] },
  trial: { settled: rowIds.trialRowId, above: [] },
});

export const copyPosition = (position: FeedPosition): FeedPosition => ({
  study: { settled: position.study.settled, above: [...position.study.above] },
  trial: { settled: position.trial.settled, above: [...position.trial.above] },
});

/** Whether the row at `row` is among those `position` says were announced. */
export function covers(position: FeedPosition, row: ArtifactPosition): boolean {
  const table = position[row.source];
  return row.rowId <= table.settled || binarySearch(table.above, row.rowId) >= 0;
}

/** Adds one row (in place). */
export function include(position: FeedPosition, row: ArtifactPosition): void {
  const table = position[row.source];
  if (row.rowId <= table.settled) return;
  const index = binarySearch(table.above, row.rowId);
  if (index < 0) table.above.splice(-index - 1, 0, row.rowId);
  absorbContiguous(table);
}

/** Declares every row at or below `floors` settled (in place); a floor below the current one changes nothing. */
export function settleTo(position: FeedPosition, floors: AttributeRowIds): void {
  settleTable(position.study, floors.studyRowId);
  settleTable(position.trial, floors.trialRowId);
}

function settleTable(table: TablePosition, floor: number): void {
  if (floor <= table.settled) return;
  table.settled = floor;
  const firstAbove = table.above.findIndex((rowId) => rowId > floor);
  table.above = firstAbove < 0 ? [] : table.above.slice(firstAbove);
  absorbContiguous(table);
}

/** Announced rows right above the settled id settle too: there is no hole below them. */
function absorbContiguous(table: TablePosition): void {
  let absorbed = 0;
  while (table.above[absorbed] === table.settled + 1) {
    table.settled += 1;
    absorbed += 1;
  }
  if (absorbed > 0) table.above.splice(0, absorbed);
}

/** `a.b-c` text of a table: settled id, then `+` and the runs of ids above it (`5-9.12`). */
export function encodeTablePosition(table: TablePosition): string {
  if (table.above.length === 0) return String(table.settled);
  const runs: string[] = [];
  let start = table.above[0]!;
  let end = start;
  for (const rowId of table.above.slice(1)) {
    if (rowId === end + 1) {
      end = rowId;
      continue;
    }
    runs.push(start === end ? String(start) : `${start}-${end}`);
    start = end = rowId;
  }
  runs.push(start === end ? String(start) : `${start}-${end}`);
  return `${table.settled}+${runs.join('.')}`;
}

/** The table position `text` encodes; null when it is not one this server wrote. */
export function decodeTablePosition(text: string): TablePosition | null {
  const match = /^(\d+)(?:\+(\d+(?:-\d+)?(?:\.\d+(?:-\d+)?)*))?$/.exec(text);
  if (match === null) return null;
  const settled = Number(match[1]);
  // Digits beyond 2^53 would be rounded into some other row: not a cursor we made.
  if (!Number.isSafeInteger(settled)) return null;
  const above: number[] = [];
  for (const run of match[2]?.split('.') ?? []) {
    const [start, end = start] = run.split('-').map(Number) as [number, number?];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start || start <= (above.at(-1) ?? settled))
      return null;
    // A cursor names the rows of a short out-of-order window, never a long run.
    if (end - start > maxRunLength) return null;
    for (let rowId = start; rowId <= end; rowId++) above.push(rowId);
  }
  return { settled, above };
}

/** Longest run of ids above the settled one a cursor may name (it keeps decoding bounded). */
const maxRunLength = 100_000;

/** Index of `value` in the ascending `values`, or -(insertion point) - 1. */
function binarySearch(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = values[middle]!;
    if (at === value) return middle;
    if (at < value) low = middle + 1;
    else high = middle - 1;
  }
  return -low - 1;
}
