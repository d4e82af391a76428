// Cursors of the newest-first artifact lists, designed to double as a live feed's `since`.
//
// Artifact rows live in two tables whose row ids grow independently (no AUTOINCREMENT, so a
// new row takes max(id)+1). Lists are ordered by row id, newest first, and at equal ids the
// trial row first. A cursor is a WATERMARK: the largest study-row id and trial-row id that are
// at or older than its edge, plus which table the edge's own row is in. Then:
//   - the next page is "rows at or below the watermark, minus the edge itself";
//   - a feed resuming `since` the cursor replays "rows above the watermark in either table";
// and rows inserted after the list was read are always above every watermark it handed out,
// so paging never shows them twice and a feed never misses them.
// Known limit: deleting the newest row of a table lets the next insert reuse its id.
import { badUserInput } from '../errors.js';
import type { AttributeRowIds, AttributeSource } from '../db/queries/artifact-attribute-queries.js';

export interface ArtifactPosition {
  source: AttributeSource;
  rowId: number;
}

export interface ArtifactCursor extends AttributeRowIds {
  /** Table of the edge's own row; its row id is the watermark of that table. */
  source: AttributeSource;
}

const cursorPrefix = 'artifact:v1:';

export function encodeArtifactCursor(cursor: ArtifactCursor): string {
  return Buffer.from(`${cursorPrefix}${cursor.source}:${cursor.studyRowId}:${cursor.trialRowId}`).toString('base64url');
}

export function decodeArtifactCursor(text: string): ArtifactCursor {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^artifact:v1:(study|trial):(\d+):(\d+)$/.exec(decoded);
  // Row ids beyond 2^53 would be rounded to other rows: not a cursor this server made.
  if (!match || !Number.isSafeInteger(Number(match[2])) || !Number.isSafeInteger(Number(match[3]))) {
    throw badUserInput(`Invalid artifact cursor ${JSON.stringify(text)}`);
  }
  return { source: match[1] as AttributeSource, studyRowId: Number(match[2]), trialRowId: Number(match[3]) };
}

/**
 * The cursor of an artifact at `position`, given the largest row ids that exist in the listing
 * (`bounds`: the tables' maxima when the list was read, capped by the page's `after` cursor).
 */
export function cursorOfArtifact(position: ArtifactPosition, bounds: AttributeRowIds): ArtifactCursor {
  return position.source === 'study'
    ? { source: 'study', studyRowId: position.rowId, trialRowId: Math.min(position.rowId - 1, bounds.trialRowId) }
    : { source: 'trial', studyRowId: Math.min(position.rowId, bounds.studyRowId), trialRowId: position.rowId };
}

/** The largest row ids (inclusive) of rows strictly older than the cursor's edge. */
export function rowIdsOlderThan(cursor: ArtifactCursor): AttributeRowIds {
  return {
    studyRowId: cursor.source === 'study' ? cursor.studyRowId - 1 : cursor.studyRowId,
    trialRowId: cursor.source === 'trial' ? cursor.trialRowId - 1 : cursor.trialRowId,
  };
}

export function isAtOrBelow(position: ArtifactPosition, rowIds: AttributeRowIds): boolean {
  return position.rowId <= (position.source === 'study' ? rowIds.studyRowId : rowIds.trialRowId);
}

export const minRowIds = (a: AttributeRowIds, b: AttributeRowIds): AttributeRowIds => ({
  studyRowId: Math.min(a.studyRowId, b.studyRowId),
  trialRowId: Math.min(a.trialRowId, b.trialRowId),
});
