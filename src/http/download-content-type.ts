// The Content-Type of a download. Downloads are always the stored bytes, byte for byte: an
// artifact with an encoding (report.csv.gz: text/csv + gzip) is served as the compressed file
// it is, never with `Content-Encoding`, which browsers and fetch() would undo on the way.
import { isValidMediaToken } from '../artifacts/mimetype.js';

/** The media type of a file compressed with each content coding Python's `mimetypes` knows. */
const typeOfEncodedFile: ReadonlyMap<string, string> = new Map([
  ['gzip', 'application/gzip'],
  ['bzip2', 'application/x-bzip2'],
  ['xz', 'application/x-xz'],
  ['compress', 'application/x-compress'],
  ['br', 'application/x-brotli'],
]);

const unknownType = 'application/octet-stream';

/**
 * The stored mimetype when the artifact has no encoding, the compressed file's own type when it
 * has one (an unknown coding: octet-stream, as the mimetype would not describe the bytes).
 * Metadata written by other tools is untrusted: a mimetype that is not a clean media type never
 * reaches a header.
 */
export function downloadContentType(mimetype: string, encoding: string | null): string {
  if (encoding !== null && encoding !== '') return typeOfEncodedFile.get(encoding.toLowerCase()) ?? unknownType;
  return isValidMediaToken('mimetype', mimetype) ? mimetype : unknownType;
}
