import { describe, expect, it } from 'vitest';
import { MAX_FILENAME_BYTES, sanitizeFilename } from '../../src/artifacts/filename.js';
import { AppError } from '../../src/errors.js';

function rejectionOf(raw: string): AppError {
  try {
    sanitizeFilename(raw);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

// What a browser or HTTP client would send for invalid UTF-8 bytes in a multipart filename:
// busboy decodes with the WHATWG decoder, which replaces each bad sequence with U+FFFD.
const invalidUtf8AsDecoded = new TextDecoder().decode(
  new Uint8Array([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x70, 0x6e, 0x67]),
);

describe('sanitizeFilename', () => {
  it.each([
    ['plain name', 'plot.png', 'plot.png'],
    ['POSIX traversal', '../../etc/passwd', 'passwd'],
    ['absolute POSIX path', '/home/me/results/loss.csv', 'loss.csv'],
    ['Windows path', 'C:\\x\\evil.exe', 'evil.exe'],
    ['Windows traversal', '..\\..\\windows\\system.ini', 'system.ini'],
    ['mixed separators', 'a/b\\c/d.txt', 'd.txt'],
    ['NUL and other C0', 'a\u0000b\u0007c\u001b.txt', 'abc.txt'],
    ['DEL and C1', 'a\u007fb\u0085c\u009f.txt', 'abc.txt'],
    ['tab', 'tab\tname.txt', 'tabname.txt'],
    ['right-to-left override spoofing the extension', 'invoice\u202Egnp.exe', 'invoicegnp.exe'],
    [
      'every bidi embedding, override and isolate',
      '\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee\u2066f\u2067g\u2068h\u2069.txt',
      'abcdefgh.txt',
    ],
    ['surrounding whitespace', '  spaced name.txt \u3000', 'spaced name.txt'],
    ['Japanese kept', '学習曲線.png', '学習曲線.png'],
    ['emoji kept', '📈 results.csv', '📈 results.csv'],
    ['decomposed kana NFC-normalized', 'ク\u3099ラフ.png', 'グラフ.png'],
    ['decomposed accent NFC-normalized', 'cafe\u0301.txt', 'café.txt'],
    ['dotfile kept', '.env', '.env'],
    ['three dots kept', '...', '...'],
  ])('%s: %j → %j', (_case, raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });

  it.each([
    ['empty', '', /empty/],
    ['only whitespace', '   ', /empty/],
    ['only control characters', '\r\n\u0000', /empty/],
    ['CRLF header injection', 'report\r\nSet-Cookie: a=b.txt', /line breaks/],
    ['a lone LF', 'a\nb.txt', /line breaks/],
    ['a trailing separator', 'dir/', /empty/],
    ['"."', '.', /must not be "\."/],
    ['".."', '..', /must not be "\.\."/],
    ['".." hidden by control characters', '.\u0000.', /must not be "\.\."/],
    ['a 10 KB name', `${'a'.repeat(10 * 1024)}.txt`, /255 bytes/],
    ['256 bytes of Japanese (3 bytes a character)', `${'学'.repeat(85)}x`, /255 bytes/],
    ['invalid UTF-8 decoded as U+FFFD', invalidUtf8AsDecoded, /not valid UTF-8/],
    ['a lone high surrogate', 'bad\uD800.png', /not valid UTF-8/],
    ['a lone low surrogate', 'bad\uDC00.png', /not valid UTF-8/],
  ])('rejects %s with BAD_USER_INPUT', (_case, raw, message) => {
    const error = rejectionOf(raw);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/^filename /);
    expect(error.message).toMatch(message);
  });

  it('accepts exactly 255 UTF-8 bytes', () => {
    const japanese = '学'.repeat(85); // 85 × 3 bytes
    expect(sanitizeFilename(japanese)).toBe(japanese);
    expect(sanitizeFilename('a'.repeat(MAX_FILENAME_BYTES))).toHaveLength(MAX_FILENAME_BYTES);
  });

  it('judges the length after removing path components', () => {
    expect(sanitizeFilename(`${'d'.repeat(10 * 1024)}/short.txt`)).toBe('short.txt');
  });

  it('keeps a surrogate pair (not a lone surrogate)', () => {
    expect(sanitizeFilename('\uD83D\uDCC8.png')).toBe('📈.png');
  });
});
