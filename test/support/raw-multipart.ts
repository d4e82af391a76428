// Multipart bodies built byte by byte, for what FormData cannot send: raw (even invalid UTF-8)
// bytes in a part's Content-Disposition, RFC 5987 `filename*` values, a map with no file part.
import type { GraphQLResponse } from './test-server.js';

export interface RawPart {
  /** The part's header lines, without the blank line that ends them. */
  headers: Buffer;
  body: Buffer;
}

const boundary = 'reliabilityBOUNDARY7MA4YWxkTrZu0gW';

/** A plain form field (`operations`, `map`). */
export function fieldPart(name: string, value: string): RawPart {
  return { headers: Buffer.from(`Content-Disposition: form-data; name="${name}"`), body: Buffer.from(value) };
}

/**
 * A file part whose Content-Disposition parameters after `name` are exactly `dispositionTail`
 * (e.g. `; filename="a.txt"`), bytes as given.
 */
export function filePart(name: string, dispositionTail: Buffer | string, content: Buffer): RawPart {
  const headers = Buffer.concat([
    Buffer.from(`Content-Disposition: form-data; name="${name}"`),
    Buffer.isBuffer(dispositionTail) ? dispositionTail : Buffer.from(dispositionTail),
    Buffer.from('\r\nContent-Type: application/octet-stream'),
  ]);
  return { headers, body: content };
}

export function rawMultipartBody(parts: RawPart[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) chunks.push(Buffer.from(`--${boundary}\r\n`), part.headers, Buffer.from('\r\n\r\n'), part.body, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** POSTs the parts to /graphql as multipart/form-data (with the CSRF-prevention header). */
export async function postRawMultipart(serverUrl: string, parts: RawPart[]): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await fetch(`${serverUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' },
    body: new Uint8Array(rawMultipartBody(parts)),
  });
  const text = await response.text();
  let body: GraphQLResponse;
  try {
    body = JSON.parse(text) as GraphQLResponse;
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, body };
}
