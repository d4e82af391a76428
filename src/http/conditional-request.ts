// Evaluates conditional request headers (RFC 9110 §13) against an artifact's ETag:
// If-None-Match for 304 Not Modified, If-Range for resuming a download with Range.

interface EntityTag {
  weak: boolean;
  /** The quoted part, quotes included: `"abc"`. */
  opaqueTag: string;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc allows commas, so a list is scanned, not split.
const entityTagAtStart = /^(W\/)?("[\x21\x23-\x7E\x80-\xFF]*")/;
const separatorsAtStart = /^[ \t,]+/;

/** The entity-tags of a `#entity-tag` list; malformed members (unquoted, …) are skipped. */
function parseEntityTagList(header: string): EntityTag[] {
  const tags: EntityTag[] = [];
  let rest = header.replace(separatorsAtStart, '');
  while (rest !== '') {
    const match = entityTagAtStart.exec(rest);
    const afterTag = match === null ? rest : rest.slice(match[0].length);
    if (match !== null && /^[ \t]*(,|$)/.test(afterTag)) {
      tags.push({ weak: match[1] !== undefined, opaqueTag: match[2] ?? '' });
    }
    // Resume after the next comma outside this member (a malformed member is dropped whole).
    const nextComma = afterTag.indexOf(',');
    rest = nextComma === -1 ? '' : afterTag.slice(nextComma).replace(separatorsAtStart, '');
  }
  return tags;
}

function parseEntityTag(value: string): EntityTag | undefined {
  const [tag, ...others] = parseEntityTagList(value);
  return others.length === 0 ? tag : undefined;
}

/**
 * Whether `If-None-Match` matches the current `etag` (the ETag header value we send), so a
 * GET/HEAD should answer 304. Uses the weak comparison RFC 9110 §13.1.2 requires here: `W/"x"`
 * matches `"x"`. `*` matches any existing representation; an absent header matches nothing.
 */
export function etagMatches(ifNoneMatchHeader: string | undefined, etag: string): boolean {
  if (ifNoneMatchHeader === undefined) return false;
  if (ifNoneMatchHeader.trim() === '*') return true;
  const current = parseEntityTag(etag);
  if (current === undefined) return false;
  return parseEntityTagList(ifNoneMatchHeader).some((candidate) => candidate.opaqueTag === current.opaqueTag);
}

/**
 * Whether a `Range` may be honoured under `If-Range` (RFC 9110 §13.1.5): true without the
 * header, or when it names exactly the current strong `etag`. A weak tag, another tag or an
 * HTTP-date (never compared: a date is too coarse to prove the bytes unchanged) means the
 * client's partial copy may be stale, so the whole artifact must be sent instead.
 */
export function ifRangeAllowsPartialResponse(ifRangeHeader: string | undefined, etag: string): boolean {
  if (ifRangeHeader === undefined) return true;
  const validator = parseEntityTag(ifRangeHeader.trim());
  const current = parseEntityTag(etag);
  return (
    validator !== undefined &&
    current !== undefined &&
    !validator.weak &&
    !current.weak &&
    validator.opaqueTag === current.opaqueTag
  );
}
