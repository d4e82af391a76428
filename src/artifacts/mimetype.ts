// Guesses an artifact's mimetype and encoding from its filename the way Optuna's
// `upload_artifact` does (CPython 3.11 `mimetypes.guess_type`), and validates given ones.
import { lookup as lookupInMimeDatabase } from 'mime-types';
import { badUserInput } from '../errors.js';

/** What Optuna stores when Python cannot guess a type (`optuna.artifacts._upload`). */
export const DEFAULT_MIMETYPE = 'application/octet-stream';

/** Longest mimetype or encoding accepted from a client. */
export const MAX_MEDIA_TOKEN_LENGTH = 255;

export interface GuessedMimetypeAndEncoding {
  /** Never empty: {@link DEFAULT_MIMETYPE} when nothing is known about the extension. */
  mimetype: string;
  /** A content coding (`gzip`, `bzip2`, `xz`, `br`, `compress`) or null. */
  encoding: string | null;
}

/** CPython's `encodings_map`. Matched case-SENSITIVELY as CPython does: `.Z` but not `.z`, `.gz` but not `.GZ`. */
const encodingOfSuffix: ReadonlyMap<string, string> = new Map([
  ['.gz', 'gzip'],
  ['.Z', 'compress'],
  ['.bz2', 'bzip2'],
  ['.xz', 'xz'],
  ['.br', 'br'],
]);

/** CPython's `suffix_map`, matched case-insensitively (3.11 lowercases before the lookup). */
const suffixAliases: ReadonlyMap<string, string> = new Map([
  ['.svgz', '.svg.gz'],
  ['.tgz', '.tar.gz'],
  ['.taz', '.tar.gz'],
  ['.tz', '.tar.gz'],
  ['.tbz2', '.tar.bz2'],
  ['.txz', '.tar.xz'],
]);

/**
 * OPTUNA-FORMAT.md's measured table, where it says more than CPython's built-in table: the
 * reference Python (Debian) also reads /etc/mime.types, which knows `.md`.
 */
const measuredReferenceTypes: ReadonlyMap<string, string> = new Map([['.md', 'text/markdown']]);

/**
 * CPython 3.11's built-in `types_map` (strict), copied whole rather than only where mime-db
 * disagrees, so a mime-db update cannot change answers for extensions Python knows.
 */
const pythonBuiltinTypes: ReadonlyMap<string, string> = extensionsByType({
  'application/javascript': '.js .mjs',
  'application/json': '.json',
  'application/manifest+json': '.webmanifest',
  'application/msword': '.doc .dot .wiz',
  'application/n-quads': '.nq',
  'application/n-triples': '.nt',
  'application/octet-stream': '.bin .a .dll .exe .o .obj .so',
  'application/oda': '.oda',
  'application/pdf': '.pdf',
  'application/pkcs7-mime': '.p7c',
  'application/postscript': '.ps .ai .eps',
  'application/trig': '.trig',
  'application/vnd.apple.mpegurl': '.m3u .m3u8',
  'application/vnd.ms-excel': '.xls .xlb',
  'application/vnd.ms-powerpoint': '.ppt .pot .ppa .pps .pwz',
  'application/wasm': '.wasm',
  'application/x-bcpio': '.bcpio',
  'application/x-cpio': '.cpio',
  'application/x-csh': '.csh',
  'application/x-dvi': '.dvi',
  'application/x-gtar': '.gtar',
  'application/x-hdf': '.hdf',
  'application/x-hdf5': '.h5',
  'application/x-latex': '.latex',
  'application/x-mif': '.mif',
  'application/x-netcdf': '.cdf .nc',
  'application/x-pkcs12': '.p12 .pfx',
  'application/x-pn-realaudio': '.ram',
  'application/x-python-code': '.pyc .pyo',
  'application/x-sh': '.sh',
  'application/x-shar': '.shar',
  'application/x-shockwave-flash': '.swf',
  'application/x-sv4cpio': '.sv4cpio',
  'application/x-sv4crc': '.sv4crc',
  'application/x-tar': '.tar',
  'application/x-tcl': '.tcl',
  'application/x-tex': '.tex',
  'application/x-texinfo': '.texi .texinfo',
  'application/x-troff': '.roff .t .tr',
  'application/x-troff-man': '.man',
  'application/x-troff-me': '.me',
  'application/x-troff-ms': '.ms',
  'application/x-ustar': '.ustar',
  'application/x-wais-source': '.src',
  'application/xml': '.xsl .rdf .wsdl .xpdl',
  'application/zip': '.zip',
  'audio/3gpp': '.3gp .3gpp',
  'audio/3gpp2': '.3g2 .3gpp2',
  'audio/aac': '.aac .adts .loas .ass',
  'audio/basic': '.au .snd',
  'audio/mpeg': '.mp3 .mp2',
  'audio/opus': '.opus',
  'audio/x-aiff': '.aif .aifc .aiff',
  'audio/x-pn-realaudio': '.ra',
  'audio/x-wav': '.wav',
  'image/avif': '.avif',
  'image/bmp': '.bmp',
  'image/gif': '.gif',
  'image/heic': '.heic',
  'image/heif': '.heif',
  'image/ief': '.ief',
  'image/jpeg': '.jpg .jpe .jpeg',
  'image/png': '.png',
  'image/svg+xml': '.svg',
  'image/tiff': '.tiff .tif',
  'image/vnd.microsoft.icon': '.ico',
  'image/x-cmu-raster': '.ras',
  'image/x-portable-anymap': '.pnm',
  'image/x-portable-bitmap': '.pbm',
  'image/x-portable-graymap': '.pgm',
  'image/x-portable-pixmap': '.ppm',
  'image/x-rgb': '.rgb',
  'image/x-xbitmap': '.xbm',
  'image/x-xpixmap': '.xpm',
  'image/x-xwindowdump': '.xwd',
  'message/rfc822': '.eml .mht .mhtml .nws',
  'text/css': '.css',
  'text/csv': '.csv',
  'text/html': '.html .htm',
  'text/n3': '.n3',
  'text/plain': '.txt .bat .c .h .ksh .pl .srt',
  'text/richtext': '.rtx',
  'text/tab-separated-values': '.tsv',
  'text/vtt': '.vtt',
  'text/x-python': '.py',
  'text/x-setext': '.etx',
  'text/x-sgml': '.sgm .sgml',
  'text/x-vcard': '.vcf',
  'text/xml': '.xml',
  'video/mp4': '.mp4',
  'video/mpeg': '.mpeg .m1v .mpa .mpe .mpg',
  'video/quicktime': '.mov .qt',
  'video/webm': '.webm',
  'video/x-msvideo': '.avi',
  'video/x-sgi-movie': '.movie',
});

function extensionsByType(table: Record<string, string>): Map<string, string> {
  const typeOfExtension = new Map<string, string>();
  for (const [mimetype, extensions] of Object.entries(table)) {
    for (const extension of extensions.split(' ')) typeOfExtension.set(extension, mimetype);
  }
  return typeOfExtension;
}

/**
 * Guesses `{ mimetype, encoding }` from a filename as CPython 3.11's `mimetypes.guess_type`
 * does: expand a suffix alias (`.tgz` → `.tar.gz`), strip one encoding suffix, then look up the
 * type of the extension that is left.
 *
 * The type comes from, in order: OPTUNA-FORMAT.md's measured table (`.md`), CPython's built-in
 * table, mime-types (a portable stand-in for the /etc/mime.types the reference Python reads,
 * e.g. `.webp`, `.docx`), else {@link DEFAULT_MIMETYPE}. Not copied: parsing `data:` URLs —
 * a filename must not be able to declare its own type.
 */
export function guessMimetypeAndEncoding(filename: string): GuessedMimetypeAndEncoding {
  let [base, extension] = splitExtension(withoutUrlScheme(filename));
  let alias: string | undefined;
  while ((alias = suffixAliases.get(extension.toLowerCase())) !== undefined) {
    [base, extension] = splitExtension(base + alias);
  }
  const encoding = encodingOfSuffix.get(extension) ?? null;
  if (encoding !== null) [, extension] = splitExtension(base);
  return { mimetype: mimetypeOfExtension(extension.toLowerCase()) ?? DEFAULT_MIMETYPE, encoding };
}

function mimetypeOfExtension(extension: string): string | undefined {
  if (extension === '') return undefined;
  return (
    measuredReferenceTypes.get(extension) ??
    pythonBuiltinTypes.get(extension) ??
    (lookupInMimeDatabase(extension.slice(1)) || undefined)
  );
}

/** Python passes the name through `urllib.parse._splittype` first, so `C:x.png` is seen as `x.png`. */
function withoutUrlScheme(filename: string): string {
  const scheme = /^[^/:]+:/.exec(filename);
  return scheme === null ? filename : filename.slice(scheme[0].length);
}

/** `posixpath.splitext`: the last dot of the last component, ignoring leading dots (`.bashrc` has no extension). */
function splitExtension(path: string): [base: string, extension: string] {
  const separatorIndex = path.lastIndexOf('/');
  const dotIndex = path.lastIndexOf('.');
  for (let index = separatorIndex + 1; index < dotIndex; index++) {
    if (path[index] !== '.') return [path.slice(0, dotIndex), path.slice(dotIndex)];
  }
  return [path, ''];
}

// RFC 9110 §5.6.2 token, §5.6.4 quoted-string (ASCII only: a header value is no place for
// obs-text), §8.3.1 media-type with §5.6.6 parameters.
const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const quotedString = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"';
const optionalWhitespace = '[ \\t]*';
const mediaType = new RegExp(
  `^${token}/${token}(?:${optionalWhitespace};${optionalWhitespace}(?:${token}=(?:${token}|${quotedString}))?)*$`,
);
const contentCoding = new RegExp(`^${token}$`);

/** Which client argument a media token came from; named in the error message. */
export type MediaTokenField = 'mimetype' | 'encoding';

/**
 * Returns `value` unchanged when it can go into a `Content-Type` (mimetype: `type/subtype`
 * with optional `; name=value` parameters) or `Content-Encoding` (encoding: one token) header
 * as it is; throws BAD_USER_INPUT naming the field otherwise (CR/LF, spaces, quotes, …), so a
 * stored value can never split or forge a download response header.
 */
export function validateMediaToken(field: MediaTokenField, value: string): string {
  if (value.length > MAX_MEDIA_TOKEN_LENGTH) {
    throw badUserInput(`${field} is longer than ${MAX_MEDIA_TOKEN_LENGTH} characters`);
  }
  if (field === 'mimetype' && !mediaType.test(value)) {
    throw badUserInput(
      'mimetype is not a valid media type: expected "type/subtype" with optional "; name=value" parameters (RFC 9110), like "text/csv; charset=utf-8"',
    );
  }
  if (field === 'encoding' && !contentCoding.test(value)) {
    throw badUserInput('encoding is not a valid content coding: expected a single token (RFC 9110), like "gzip"');
  }
  return value;
}

/** Whether `value` passes {@link validateMediaToken}: for values read back from stored metadata. */
export function isValidMediaToken(field: MediaTokenField, value: string): boolean {
  try {
    validateMediaToken(field, value);
    return true;
  } catch {
    return false;
  }
}
