// Multipart bodies built byte by byte, for what FormData cannot send: raw (even invalid UTF-8)
// bytes in a part's Content-Disposition, RFC 5987 `filename*` values, a map with no file part,
// malformed part headers, bodies that end too early — and sent piece by piece on a bare socket.
import { connect } from 'node:net';
import type { GraphQLResponse } from './test-server.js';

export interface RawPart {
  /** The part's header lines, without the blank line that ends them. */
  headers: Buffer;
  body: Buffer;
}

/** The boundary of every body built here. */
export const boundary = 'reliabilityBOUNDARY7MA4YWxkTrZu0gW';

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
  for (const part of parts)
    chunks.push(
      Buffer.from(`--${boundary}\r\n`),
      part.headers,
      Buffer.from('\r\n\r\n'),
      part.body,
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** POSTs the parts to /graphql as multipart/form-data (with the CSRF-prevention header). */
export function postRawMultipart(
  serverUrl: string,
  parts: RawPart[],
): Promise<{ status: number; body: GraphQLResponse }> {
  return postRawBody(serverUrl, rawMultipartBody(parts));
}

/** POSTs `body`, bytes as given, to /graphql as multipart/form-data with {@link boundary} (or `contentType`). */
export async function postRawBody(
  serverUrl: string,
  body: Buffer,
  contentType = `multipart/form-data; boundary=${boundary}`,
): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await fetch(`${serverUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-graphql-yoga-csrf': '1' },
    body: new Uint8Array(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as GraphQLResponse };
  } catch {
    return { status: response.status, body: { errors: [{ message: text }] } };
  }
}

/** A request on a bare TCP socket: the test decides when each piece of the body goes out. */
export interface RawRequest {
  /** Sends the next bytes of the body. */
  send(bytes: Buffer): void;
  /** Everything the server answered, once the connection closed (the request asks the server to close it after answering). */
  readonly closed: Promise<string>;
  /** Closes the connection from the client's side. */
  abort(): void;
}

/** Starts a multipart POST to /graphql whose body is `contentLength` bytes long; sends only the headers. */
export function startRawRequest(serverUrl: string, contentLength: number): RawRequest {
  const { hostname, port } = new URL(serverUrl);
  const socket = connect(Number(port), hostname);
  const answer: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => answer.push(chunk));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(answer).toString('latin1')));
  });
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${contentLength}\r\nx-graphql-yoga-csrf: 1\r\nConnection: close\r\n\r\n`,
  );
  return { send: (bytes) => socket.write(bytes), closed, abort: () => socket.destroy() };
}
