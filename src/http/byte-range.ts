// Reads a `Range` request header (RFC 9110 §14) for artifact downloads: one byte range is
// served as 206, anything fancier is ignored and the whole artifact is served.

/** What to do with a request's `Range` header. */
export type ByteRangeRequest =
  /** No usable Range: serve the whole representation with 200. */
  | { kind: 'none' }
  /** Serve bytes `start`..`end` (both inclusive, `end` < size) with 206. */
  | { kind: 'range'; start: number; end: number }
  /** Answer 416 with the unsatisfied form of {@link contentRangeHeader}. */
  | { kind: 'unsatisfiable' };

const none: ByteRangeRequest = { kind: 'none' };
const unsatisfiable: ByteRangeRequest = { kind: 'unsatisfiable' };
const rangeSpecifier = /^bytes=(.*)$/is;
const intRange = /^(\d+)-(\d*)$/;
const suffixRange = /^-(\d+)$/;

/**
 * Parses `Range` against a representation of `size` bytes. A single `bytes=a-b`, `bytes=a-`
 * or `bytes=-n` gives `range` (end clamped to the last byte). Multiple ranges, other units and
 * malformed headers give `none`: RFC 9110 lets a server ignore Range, and multipart/byteranges
 * buys nothing for artifact downloads. A well-formed range that starts at or past the end, a
 * zero-length suffix, or any range of an empty artifact gives `unsatisfiable`.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRangeRequest {
  const rangeSet = header === undefined ? undefined : rangeSpecifier.exec(header.trim())?.[1];
  if (rangeSet === undefined) return none;
  // RFC 9110 §5.6.1: list recipients skip empty elements ("bytes=0-9," is one range).
  const rangeSpecs = rangeSet
    .split(',')
    .map((element) => element.trim())
    .filter((element) => element !== '');
  const [rangeSpec] = rangeSpecs;
  if (rangeSpec === undefined || rangeSpecs.length > 1) return none;

  const suffix = suffixRange.exec(rangeSpec);
  if (suffix !== null) {
    const suffixLength = Number(suffix[1]);
    if (suffixLength === 0 || size === 0) return unsatisfiable;
    return { kind: 'range', start: Math.max(0, size - suffixLength), end: size - 1 };
  }

  const bounded = intRange.exec(rangeSpec);
  if (bounded === null) return none;
  const start = Number(bounded[1]);
  const last = bounded[2] === '' ? Number.POSITIVE_INFINITY : Number(bounded[2]);
  if (last < start) return none; // an invalid range-spec makes the whole header invalid
  if (start >= size) return unsatisfiable;
  return { kind: 'range', start, end: Math.min(last, size - 1) };
}

/** The `Content-Range` header for a 206 (`bytes 0-99/1000`) or its unsatisfied form for a 416 (RFC 9110 §14.4). */
export function contentRangeHeader(request: Exclude<ByteRangeRequest, { kind: 'none' }>, size: number): string {
  return request.kind === 'range' ? `bytes ${request.start}-${request.end}/${size}` : `bytes */${size}`;
}
