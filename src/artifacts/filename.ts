// Turns the filename a client sends (the multipart file's name or the `filename` argument) into
// the name stored in the artifact metadata and offered back on download.
import { badUserInput } from '../errors.js';

/** The longest stored filename, in UTF-8 bytes: the common file-system limit for one name. */
export const MAX_FILENAME_BYTES = 255;

// Both separators: a browser on Windows may send "C:\Users\me\plot.png".
const pathSeparators = /[/\\]/;
// Line breaks in a name are a header-injection attempt (CR/LF split a header), not a typo:
// refused, not cleaned. The other C0 controls, DEL and C1 controls are invisible junk: stripped.
const lineBreaks = /[\r\n]/;
const controlCharacters = /[\u0000-\u001F\u007F-\u009F]/g;
// Bidi embeddings, overrides and isolates reorder what a user sees:
// "invoice\u202Egnp.exe" displays as "invoiceexe.png".
const bidiFormattingCharacters = /[\u202A-\u202E\u2066-\u2069]/g;
// In a unicode-mode regexp only unpaired surrogates match \p{Cs}.
const loneSurrogate = /\p{Cs}/u;

/**
 * Returns the last path component of `raw` without control and bidi formatting characters,
 * NFC-normalized and trimmed; other Unicode (Japanese, emoji, …) is kept.
 *
 * Throws BAD_USER_INPUT when the name contains CR or LF, when the result is empty, `.` or `..`, longer than
 * {@link MAX_FILENAME_BYTES} UTF-8 bytes, or not valid Unicode: a lone surrogate, or U+FFFD,
 * which is what invalid UTF-8 in a multipart filename has become by the time it reaches us.
 */
export function sanitizeFilename(raw: string): string {
  const lastComponent = raw.split(pathSeparators).at(-1) ?? '';
  if (loneSurrogate.test(lastComponent) || lastComponent.includes('\uFFFD')) {
    throw badUserInput('filename is not valid UTF-8 (it contains an invalid byte sequence or a lone surrogate)');
  }
  const name = lastComponent
    .replace(controlCharacters, '')
    .replace(bidiFormattingCharacters, '')
    .normalize('NFC')
    .trim();
  if (name === '') {
    throw badUserInput('filename is empty once path components and control characters are removed');
  }
  if (lineBreaks.test(lastComponent)) {
    throw badUserInput('filename must not contain line breaks (CR or LF)');
  }
  if (name === '.' || name === '..') {
    throw badUserInput(`filename must not be "${name}"`);
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_FILENAME_BYTES) {
    throw badUserInput(`filename is longer than ${MAX_FILENAME_BYTES} bytes in UTF-8`);
  }
  return name;
}
