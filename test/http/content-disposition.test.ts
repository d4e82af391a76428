import { describe, expect, it } from 'vitest';
import { contentDisposition, isInlineSafeMimetype } from '../../src/http/content-disposition.js';

describe('isInlineSafeMimetype', () => {
  it.each([
    'image/png',
    'image/jpeg',
    'image/gif',
    'image/webp',
    'image/avif',
    'image/bmp',
    'audio/mpeg',
    'audio/x-wav',
    'video/mp4',
    'video/webm',
    'text/plain',
    'text/plain; charset=utf-8',
    'Text/CSV',
    'application/json',
  ])('%s is shown inline', (mimetype) => {
    expect(isInlineSafeMimetype(mimetype)).toBe(true);
  });

  it.each([
    'text/html',
    'TEXT/HTML; charset=utf-8',
    'image/svg+xml',
    'application/xhtml+xml',
    'application/xml',
    'text/xml',
    'application/pdf',
    'application/javascript',
    'text/javascript',
    'text/markdown',
    'image/tiff',
    'application/octet-stream',
    'multipart/x-mixed-replace',
    'audio/',
    'video/mp4/x',
    'audio',
    '',
  ])('%j is an attachment', (mimetype) => {
    expect(isInlineSafeMimetype(mimetype)).toBe(false);
  });
});

describe('contentDisposition', () => {
  it.each([
    ['plot.png', 'image/png', false, `inline; filename="plot.png"; filename*=UTF-8''plot.png`],
    ['plot.png', 'image/png', true, `attachment; filename="plot.png"; filename*=UTF-8''plot.png`],
    ['page.html', 'text/html', false, `attachment; filename="page.html"; filename*=UTF-8''page.html`],
    ['icon.svg', 'image/svg+xml', false, `attachment; filename="icon.svg"; filename*=UTF-8''icon.svg`],
    ['report.pdf', 'application/pdf', false, `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`],
    ['loss.csv', 'text/csv', false, `inline; filename="loss.csv"; filename*=UTF-8''loss.csv`],
    ['model.pkl', 'application/octet-stream', false, `attachment; filename="model.pkl"; filename*=UTF-8''model.pkl`],
  ])('%s as %s (forceAttachment %s)', (filename, mimetype, forceAttachment, expected) => {
    expect(contentDisposition(filename, { mimetype, forceAttachment })).toBe(expected);
  });

  it('round-trips a Japanese filename through filename* and falls back to _ in filename', () => {
    const header = contentDisposition('学習曲線.png', { mimetype: 'image/png', forceAttachment: false });
    expect(header).toBe(`inline; filename="____.png"; filename*=UTF-8''%E5%AD%A6%E7%BF%92%E6%9B%B2%E7%B7%9A.png`);
    const encoded = /filename\*=UTF-8''(.*)$/.exec(header)?.[1] ?? '';
    expect(decodeURIComponent(encoded)).toBe('学習曲線.png');
  });

  it.each([
    ['a space', 'my plot.png', `filename="my plot.png"; filename*=UTF-8''my%20plot.png`],
    [
      'quotes and backslashes',
      'say "hi"\\now.txt',
      `filename="say \\"hi\\"\\\\now.txt"; filename*=UTF-8''say%20%22hi%22%5Cnow.txt`,
    ],
    ['percent', '100%.txt', `filename="100_.txt"; filename*=UTF-8''100%25.txt`],
    [
      'attr-chars',
      "a!#$&+-.^_`|~z'(*);,=",
      `filename="a!#$&+-.^_\`|~z'(*);,="; filename*=UTF-8''a!#$&+-.^_\`|~z%27%28%2A%29%3B%2C%3D`,
    ],
    ['an emoji (one _ per code point)', '📈.csv', `filename="_.csv"; filename*=UTF-8''%F0%9F%93%88.csv`],
    ['accented Latin-1', 'café.txt', `filename="caf_.txt"; filename*=UTF-8''caf%C3%A9.txt`],
  ])('encodes %s', (_case, filename, expectedParameters) => {
    expect(contentDisposition(filename, { mimetype: 'application/octet-stream', forceAttachment: false })).toBe(
      `attachment; ${expectedParameters}`,
    );
  });

  // Filenames written by Python straight into Optuna's database never passed our sanitizer.
  it.each([
    [
      'CRLF',
      'evil\r\nSet-Cookie: a=b.txt',
      `filename="evil__Set-Cookie: a=b.txt"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20a%3Db.txt`,
    ],
    ['NUL and DEL', 'a\u0000b\u007f.txt', `filename="a_b_.txt"; filename*=UTF-8''a%00b%7F.txt`],
    ['a lone surrogate', 'bad\uD800.txt', `filename="bad_.txt"; filename*=UTF-8''bad%EF%BF%BD.txt`],
  ])('never lets %s into the header', (_case, filename, expectedParameters) => {
    const header = contentDisposition(filename, { mimetype: 'text/plain', forceAttachment: false });
    expect(header).toBe(`inline; ${expectedParameters}`);
    expect(header).toMatch(/^[\x20-\x7E]*$/);
  });

  it('omits the filename parameters for an empty filename', () => {
    expect(contentDisposition('', { mimetype: 'text/plain', forceAttachment: true })).toBe('attachment');
  });

  it('handles a 10 KB stored filename without throwing', () => {
    const header = contentDisposition('学'.repeat(10 * 1024), { mimetype: 'text/plain', forceAttachment: false });
    expect(header).toMatch(/^inline; filename="_{10240}"; filename\*=UTF-8''(%E5%AD%A6){10240}$/);
  });
});
