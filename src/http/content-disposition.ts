// Builds the Content-Disposition header of artifact downloads: `inline` only for types a browser
// shows without running script, and the filename in both RFC 6266 forms (ASCII and RFC 8187).

// Raster images, plain text, CSV and JSON render passively. Never here: HTML, XHTML, SVG and
// XML (script on our origin), PDF (some viewers run embedded JavaScript).
const inlineSafeMimetypes: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'text/plain',
  'text/csv',
  'application/json',
]);
// Media elements only play these; a page cannot be made out of them.
const inlineSafeTopLevelTypes: ReadonlySet<string> = new Set(['audio', 'video']);
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Whether a browser may show `mimetype` inline on our origin: the allowlist above, or any
 * `audio/*` / `video/*`. Parameters and case are ignored (`Text/Plain; charset=utf-8` is safe).
 */
export function isInlineSafeMimetype(mimetype: string): boolean {
  const essence = (mimetype.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (inlineSafeMimetypes.has(essence)) return true;
  const [topLevelType = '', subtype = '', ...rest] = essence.split('/');
  return rest.length === 0 && inlineSafeTopLevelTypes.has(topLevelType) && token.test(subtype);
}

export interface ContentDispositionOptions {
  /** The artifact's stored mimetype; decides between `inline` and `attachment`. */
  mimetype: string;
  /** `?download=1`: always `attachment`, whatever the type. */
  forceAttachment: boolean;
}

/**
 * `inline` or `attachment`, with `filename="<ASCII fallback>"` for old clients and
 * `filename*=UTF-8''<percent-encoded>` (which every current browser prefers) for the real name.
 * Safe for any stored string: controls never reach the header, and a lone surrogate is
 * encoded as U+FFFD instead of throwing. An empty filename gets no filename parameters.
 */
export function contentDisposition(filename: string, options: ContentDispositionOptions): string {
  const disposition = !options.forceAttachment && isInlineSafeMimetype(options.mimetype) ? 'inline' : 'attachment';
  if (filename === '') return disposition;
  return `${disposition}; filename="${asciiFallback(filename)}"; filename*=UTF-8''${percentEncodeUtf8(filename)}`;
}

/**
 * Printable ASCII kept, `"` and `\` escaped for the quoted-string; everything else becomes `_`,
 * one per code point. `%` too: RFC 6266 appendix D warns that some clients percent-decode
 * this parameter.
 */
function asciiFallback(filename: string): string {
  let fallback = '';
  for (const character of filename) {
    if (character === '"' || character === '\\') fallback += `\\${character}`;
    else if (character === '%' || !/^[\x20-\x7E]$/.test(character)) fallback += '_';
    else fallback += character;
  }
  return fallback;
}

// RFC 8187 attr-char: everything else in the UTF-8 bytes is percent-encoded.
const attributeCharacter = /^[A-Za-z0-9!#$&+.^_`|~-]$/;
const utf8Encoder = new TextEncoder();

function percentEncodeUtf8(filename: string): string {
  let encoded = '';
  for (const byte of utf8Encoder.encode(filename)) {
    const character = String.fromCharCode(byte);
    encoded += attributeCharacter.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
