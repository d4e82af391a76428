import { describe, expect, it } from 'vitest';
import { etagMatches, ifRangeAllowsPartialResponse } from '../../src/http/conditional-request.js';

const etag = '"sha256-abc"';

describe('etagMatches (If-None-Match, weak comparison)', () => {
  it.each<[string, string | undefined, boolean]>([
    ['no header', undefined, false],
    ['an empty header', '', false],
    ['the same tag', '"sha256-abc"', true],
    ['the same tag, weak', 'W/"sha256-abc"', true],
    ['another tag', '"sha256-def"', false],
    ['a wildcard', '*', true],
    ['a wildcard with whitespace', ' * ', true],
    ['a list containing it', '"x", "sha256-abc", "y"', true],
    ['a list containing it, no spaces', '"x","sha256-abc"', true],
    ['a list containing it weakly', '"x", W/"sha256-abc"', true],
    ['a list without it', '"x", "y"', false],
    ['empty list elements', ' , ,"sha256-abc",,', true],
    ['a tag with a comma inside', '"sha256-abc,x"', false],
    ['a comma-bearing tag, then ours', '"a,b", "sha256-abc"', true],
    ['the tag unquoted', 'sha256-abc', false],
    ['lower-case weak prefix (not W/)', 'w/"sha256-abc"', false],
    ['a malformed member before ours', 'garbage"x, "sha256-abc"', true],
    ['junk glued to the tag', '"sha256-abc"junk', false],
    ['a wildcard inside a list', '*, "x"', false],
    ['a member with CR/LF skipped, the rest still read', '"x"\r\n, "sha256-abc"', true],
  ])('%s: %j → %s', (_case, header, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });

  it('compares weakly when our own tag is weak', () => {
    expect(etagMatches('"v1"', 'W/"v1"')).toBe(true);
  });
});

describe('ifRangeAllowsPartialResponse (If-Range, strong comparison)', () => {
  it.each<[string, string | undefined, boolean]>([
    ['no header', undefined, true],
    ['the same strong tag', '"sha256-abc"', true],
    ['the same tag with whitespace', ' "sha256-abc" ', true],
    ['the same tag, weak', 'W/"sha256-abc"', false],
    ['another tag', '"sha256-def"', false],
    ['an HTTP-date', 'Wed, 21 Oct 2015 07:28:00 GMT', false],
    ['a list (not allowed in If-Range)', '"sha256-abc", "x"', false],
    ['an empty header', '', false],
  ])('%s: %j → %s', (_case, header, expected) => {
    expect(ifRangeAllowsPartialResponse(header, etag)).toBe(expected);
  });

  it('never honours a range against our own weak tag', () => {
    expect(ifRangeAllowsPartialResponse('W/"v1"', 'W/"v1"')).toBe(false);
  });
});
