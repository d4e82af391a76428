import { describe, expect, it } from 'vitest';
import { contentRangeHeader, parseRangeHeader, type ByteRangeRequest } from '../../src/http/byte-range.js';

const none: ByteRangeRequest = { kind: 'none' };
const unsatisfiable: ByteRangeRequest = { kind: 'unsatisfiable' };
const range = (start: number, end: number): ByteRangeRequest => ({ kind: 'range', start, end });

describe('parseRangeHeader', () => {
  it.each<[string, string | undefined, number, ByteRangeRequest]>([
    ['no header', undefined, 1000, none],
    ['an empty header', '', 1000, none],
    ['a closed range', 'bytes=0-99', 1000, range(0, 99)],
    ['a one-byte range', 'bytes=5-5', 1000, range(5, 5)],
    ['the last byte by position', 'bytes=999-999', 1000, range(999, 999)],
    ['an open-ended range', 'bytes=500-', 1000, range(500, 999)],
    ['a suffix range', 'bytes=-100', 1000, range(900, 999)],
    ['a suffix longer than the artifact', 'bytes=-5000', 1000, range(0, 999)],
    ['an end past the last byte, clamped', 'bytes=900-5000', 1000, range(900, 999)],
    ['a huge end, clamped', `bytes=0-${'9'.repeat(400)}`, 1000, range(0, 999)],
    ['the unit in capitals', 'BYTES=0-9', 1000, range(0, 9)],
    ['whitespace around the range', 'bytes= 0-9 ', 1000, range(0, 9)],
    ['leading zeros', 'bytes=007-010', 1000, range(7, 10)],
    ['an empty list element', 'bytes=0-9,', 1000, range(0, 9)],
    ['the whole artifact', 'bytes=0-', 1, range(0, 0)],
    // Syntactically valid but unsatisfiable → 416.
    ['a start at the end', 'bytes=1000-', 1000, unsatisfiable],
    ['a start past the end', 'bytes=2000-3000', 1000, unsatisfiable],
    ['a huge start', `bytes=${'9'.repeat(400)}-`, 1000, unsatisfiable],
    ['a zero-length suffix', 'bytes=-0', 1000, unsatisfiable],
    ['any range of an empty artifact', 'bytes=0-0', 0, unsatisfiable],
    ['a suffix of an empty artifact', 'bytes=-10', 0, unsatisfiable],
    // Ignored: the whole artifact is served with 200.
    ['multiple ranges', 'bytes=0-9,20-29', 1000, none],
    ['multiple ranges, all unsatisfiable', 'bytes=2000-2001,3000-3001', 1000, none],
    ['overlapping ranges', 'bytes=0-9,5-', 1000, none],
    ['another unit', 'items=0-9', 1000, none],
    ['no unit', '0-9', 1000, none],
    ['no equals sign', 'bytes 0-9', 1000, none],
    ['a Content-Range value by mistake', 'bytes 0-9/1000', 1000, none],
    ['end before start', 'bytes=10-5', 1000, none],
    ['a bare dash', 'bytes=-', 1000, none],
    ['nothing after the unit', 'bytes=', 1000, none],
    ['a negative start', 'bytes=--5', 1000, none],
    ['non-digits', 'bytes=a-b', 1000, none],
    ['a decimal', 'bytes=1.5-2', 1000, none],
    ['a plus sign', 'bytes=+1-2', 1000, none],
    ['CRLF injection', 'bytes=0-9\r\nX-Evil: 1', 1000, none],
  ])('%s (%j, size %d)', (_case, header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });
});

describe('contentRangeHeader', () => {
  it('describes a served range', () => {
    expect(contentRangeHeader({ kind: 'range', start: 0, end: 99 }, 1000)).toBe('bytes 0-99/1000');
  });

  it('describes an unsatisfiable range with the size only', () => {
    expect(contentRangeHeader({ kind: 'unsatisfiable' }, 1000)).toBe('bytes */1000');
  });
});
