import { describe, expect, it } from 'vitest';
import { DEFAULT_MIMETYPE, guessMimetypeAndEncoding, validateMediaToken } from '../../src/artifacts/mimetype.js';
import { AppError } from '../../src/errors.js';

type PythonGuess = [filename: string, mimetype: string | null, encoding: string | null];

// Measured with CPython 3.11.2: `mimetypes.MimeTypes().guess_type(name)` (the built-in tables,
// strict=True). Python's None mimetype is stored by Optuna as application/octet-stream.
// Where Debian's Python (`mimetypes.guess_type`, which also reads /etc/mime.types) printed
// something else, the comment says so: the built-in table wins for extensions it has.
const sameAsCpythonBuiltins: PythonGuess[] = [
  ['plot.png', 'image/png', null],
  ['PLOT.PNG', 'image/png', null],
  ['photo.jpg', 'image/jpeg', null],
  ['photo.jpeg', 'image/jpeg', null],
  ['anim.gif', 'image/gif', null],
  ['image.avif', 'image/avif', null],
  ['image.bmp', 'image/bmp', null],
  ['icon.ico', 'image/vnd.microsoft.icon', null],
  ['vector.svg', 'image/svg+xml', null],
  ['drawing.svgz', 'image/svg+xml', 'gzip'],
  ['x.SVGZ', 'image/svg+xml', 'gzip'],
  ['page.html', 'text/html', null],
  ['page.htm', 'text/html', null],
  ['data.csv', 'text/csv', null],
  ['data.csv.gz', 'text/csv', 'gzip'],
  ['metrics.json', 'application/json', null],
  ['x.JSON.br', 'application/json', 'br'],
  ['notes.txt', 'text/plain', null],
  ['feed.xml', 'text/xml', null], // Debian: application/xml
  ['style.css', 'text/css', null],
  ['app.js', 'application/javascript', null], // Debian: text/javascript
  ['module.mjs', 'application/javascript', null], // Debian: text/javascript
  ['script.py', 'text/x-python', null],
  ['file.PY', 'text/x-python', null],
  ['bytecode.pyc', 'application/x-python-code', null],
  ['report.pdf', 'application/pdf', null],
  ['archive.tar', 'application/x-tar', null],
  ['archive.tar.gz', 'application/x-tar', 'gzip'],
  ['archive.tgz', 'application/x-tar', 'gzip'],
  ['ARCHIVE.TGZ', 'application/x-tar', 'gzip'],
  ['x.Tbz2', 'application/x-tar', 'bzip2'],
  ['archive.taz', 'application/x-tar', 'gzip'],
  ['archive.tz', 'application/x-tar', 'gzip'],
  ['archive.tar.bz2', 'application/x-tar', 'bzip2'],
  ['archive.tbz2', 'application/x-tar', 'bzip2'],
  ['archive.tar.xz', 'application/x-tar', 'xz'],
  ['archive.txz', 'application/x-tar', 'xz'],
  ['archive.tar.Z', 'application/x-tar', 'compress'],
  ['archive.tar.z', null, null], // encoding suffixes are case-sensitive: .z is not compress
  ['archive.zip', 'application/zip', null],
  ['blob.gz', null, 'gzip'],
  ['blob.bz2', null, 'bzip2'],
  ['blob.xz', null, 'xz'],
  ['blob.br', null, 'br'],
  ['blob.Z', null, 'compress'],
  ['blob.z', null, null],
  ['x.bin.xz', 'application/octet-stream', 'xz'],
  ['data.json.br', 'application/json', 'br'],
  ['model.pt', null, null], // Debian: application/vnd.snesdev-page-table
  ['model.pth', null, null],
  ['model.pkl', null, null],
  ['weights.h5', 'application/x-hdf5', null],
  ['weights.npy', null, null],
  ['table.parquet', null, null],
  ['sound.wav', 'audio/x-wav', null],
  ['sound.mp3', 'audio/mpeg', null],
  ['clip.mp4', 'video/mp4', null],
  ['clip.webm', 'video/webm', null],
  ['movie.mov', 'video/quicktime', null],
  ['Makefile', null, null],
  ['.bashrc', null, null],
  ['.gz', null, null],
  ['.tar.gz', null, 'gzip'],
  ['..png', null, null],
  ['a..png', 'image/png', null],
  ['trailingdot.', null, null],
  ['no_extension', null, null],
  ['a/b.c/d', null, null],
  ['C:evil.png', 'image/png', null],
  ['notes:.gz', null, null], // "notes:" is taken for a URL scheme, leaving ".gz" with no extension
  ['学習曲線.png', 'image/png', null],
];

type BeyondBuiltins = [filename: string, mimetype: string, encoding: string | null, debianPython: string | null];

// CPython's built-in table has no entry for these (it printed None). The type comes from
// OPTUNA-FORMAT.md's table (.md), else mime-types, standing in for the /etc/mime.types the
// reference Python reads; the last column is what Debian's CPython 3.11.2 printed.
const beyondCpythonBuiltins: BeyondBuiltins[] = [
  ['README.md', 'text/markdown', null, 'text/markdown'],
  ['README.MD', 'text/markdown', null, 'text/markdown'],
  ['image.webp', 'image/webp', null, 'image/webp'],
  ['page.xhtml', 'application/xhtml+xml', null, 'application/xhtml+xml'],
  [
    'doc.docx',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    null,
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ],
  [
    'sheet.xlsx',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    null,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ],
  // Upper-case encoding suffixes are not encodings to Python; what is left is a .gz file.
  ['archive.TAR.GZ', 'application/gzip', null, 'application/gzip'],
  ['blob.GZ', 'application/gzip', null, 'application/gzip'],
  ['x.csv.Gz', 'application/gzip', null, 'application/gzip'],
  // Only one encoding suffix is stripped.
  ['data.json.gz.gz', 'application/gzip', 'gzip', 'application/gzip'],
  ['x.tar.gz.bz2', 'application/gzip', 'bzip2', 'application/gzip'],
  // Known to mime-db only.
  ['config.yaml', 'text/yaml', null, null],
  ['config.yml', 'text/yaml', null, null],
  ['notebook.ipynb', 'application/x-ipynb+json', null, null],
  ['run.log', 'text/plain', null, null],
];

describe('guessMimetypeAndEncoding', () => {
  it.each(sameAsCpythonBuiltins)('%s → as CPython 3.11: %s, %s', (filename, mimetype, encoding) => {
    expect(guessMimetypeAndEncoding(filename)).toEqual({ mimetype: mimetype ?? DEFAULT_MIMETYPE, encoding });
  });

  it.each(beyondCpythonBuiltins)('%s → %s, %s (Debian Python: %s)', (filename, mimetype, encoding) => {
    expect(guessMimetypeAndEncoding(filename)).toEqual({ mimetype, encoding });
  });

  it('does not let a data: URL filename declare its own type (Python would say text/html)', () => {
    expect(guessMimetypeAndEncoding('data:text/html,x.png')).toEqual({ mimetype: 'image/png', encoding: null });
  });

  it('is not fooled by extensions named like Object.prototype members', () => {
    expect(guessMimetypeAndEncoding('x.constructor')).toEqual({ mimetype: DEFAULT_MIMETYPE, encoding: null });
    expect(guessMimetypeAndEncoding('x.__proto__')).toEqual({ mimetype: DEFAULT_MIMETYPE, encoding: null });
  });
});

function rejectionOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a BAD_USER_INPUT rejection');
}

describe('validateMediaToken', () => {
  it.each([
    'text/csv',
    'image/svg+xml',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'text/plain; charset=utf-8',
    'text/plain;charset=UTF-8',
    'text/plain; charset="utf-8"',
    'multipart/mixed; boundary="a b\\"c"',
    'application/x-foo; a=1; b=2',
  ])('accepts the mimetype %j unchanged', (value) => {
    expect(validateMediaToken('mimetype', value)).toBe(value);
  });

  it.each([
    ['CRLF header injection', 'text/plain\r\nSet-Cookie: a=b'],
    ['a bare LF', 'text/plain\n'],
    ['CR inside a quoted parameter', 'text/plain; charset="utf-8\r\nX: y"'],
    ['a NUL', 'text/pl\u0000ain'],
    ['a space inside the type', 'text/ plain'],
    ['leading whitespace', ' text/plain'],
    ['a quoted subtype', 'text/"plain"'],
    ['an unterminated quoted string', 'text/plain; charset="utf-8'],
    ['no subtype', 'text'],
    ['an empty subtype', 'text/'],
    ['two slashes', 'text/plain/x'],
    ['a parameter without a value', 'text/plain; charset'],
    ['non-ASCII', 'text/plaın'],
    ['the empty string', ''],
    ['256 characters', `application/${'x'.repeat(244)}`],
  ])('rejects a mimetype with %s', (_case, value) => {
    const error = rejectionOf(() => validateMediaToken('mimetype', value));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/^mimetype /);
  });

  it('accepts a mimetype of exactly 255 characters and names the limit beyond it', () => {
    const longest = `application/${'x'.repeat(243)}`;
    expect(longest).toHaveLength(255);
    expect(validateMediaToken('mimetype', longest)).toBe(longest);
    expect(rejectionOf(() => validateMediaToken('mimetype', `${longest}x`)).message).toContain('255');
  });

  it.each(['gzip', 'br', 'x-gzip', 'compress', 'bzip2'])('accepts the encoding %j', (value) => {
    expect(validateMediaToken('encoding', value)).toBe(value);
  });

  it.each([
    ['CRLF header injection', 'gzip\r\nX-Evil: 1'],
    ['a space', 'g zip'],
    ['a list of codings', 'gzip, br'],
    ['quotes', '"gzip"'],
    ['a slash', 'application/gzip'],
    ['the empty string', ''],
    ['256 characters', 'x'.repeat(256)],
  ])('rejects an encoding with %s', (_case, value) => {
    const error = rejectionOf(() => validateMediaToken('encoding', value));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/^encoding /);
  });
});
