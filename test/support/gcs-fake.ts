// A small fake of the Google Cloud Storage JSON API on 127.0.0.1, speaking the real HTTP
// protocol @google-cloud/storage uses (no emulator runs offline here): object metadata,
// media downloads with Range, listing, delete, multipart and resumable uploads (and the
// cancelling of a session), and V4 signed URLs (`/{bucket}/{name}?X-Goog-Signature=…`) for PUT
// and GET, whose signature and expiry it verifies as GCS does. Replies carry correct
// md5Hash/crc32c, which the client verifies. Objects live in memory.
import { createHash, createPublicKey, generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

let cachedCredentials: { client_email: string; private_key: string } | undefined;

/**
 * Service-account credentials for clients of the fake. The client needs some (without them
 * it probes DNS and the GCE metadata server) but never signs requests to a custom endpoint,
 * so a freshly generated key will do.
 */
export function fakeServiceAccountCredentials(): { client_email: string; private_key: string } {
  cachedCredentials ??= {
    client_email: 'tests@optuna-artifacts.iam.gserviceaccount.com',
    private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  };
  return cachedCredentials;
}

export interface RecordedGcsRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
}

export interface GcsFake {
  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  endpoint: string;
  bucket: string;
  readonly requests: readonly RecordedGcsRequest[];
  requestCount(): number;
  /** Resumable upload sessions neither completed nor cancelled. */
  openSessionCount(): number;
  /** Bytes stored under an object name, or undefined. */
  objectBytes(name: string): Buffer | undefined;
  /** Answers the next `count` requests with `status` (an API error), then serves normally again. */
  failNext(count: number, status: number, options?: { retryAfterSeconds?: number }): void;
  close(): Promise<void>;
}

interface StoredObject {
  data: Buffer;
  /** Computed once: hashing a big object for every metadata request would take seconds each. */
  hashes?: { crc32c: string; md5Hash: string };
  generation: number;
  contentType: string;
  created: string;
}

interface UploadSession {
  name: string;
  contentType: string;
  chunks: Buffer[];
  received: number;
  completed?: StoredObject;
}

// CRC32C (Castagnoli), reflected polynomial 0x82F63B78, as GCS computes it; slicing by 8
// (eight tables, eight bytes a step), since the fake hashes gigabyte objects in tests.
const crc32cTables = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0x82f63b78 : value >>> 1;
    tables[0]![index] = value >>> 0;
  }
  for (let index = 0; index < 256; index++) {
    for (let slice = 1; slice < 8; slice++) {
      const previous = tables[slice - 1]![index]!;
      tables[slice]![index] = (previous >>> 8) ^ tables[0]![previous & 0xff]!;
    }
  }
  return tables as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
})();

export function crc32c(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crc32cTables;
  let crc = 0xffffffff;
  let index = 0;
  for (const end = data.length - 7; index < end; index += 8) {
    const low =
      (crc ^ (data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24))) >>> 0;
    crc =
      t7[low & 0xff]! ^
      t6[(low >>> 8) & 0xff]! ^
      t5[(low >>> 16) & 0xff]! ^
      t4[low >>> 24]! ^
      t3[data[index + 4]!]! ^
      t2[data[index + 5]!]! ^
      t1[data[index + 6]!]! ^
      t0[data[index + 7]!]!;
  }
  for (; index < data.length; index++) crc = t0[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** GCS's encodings: base64 of the big-endian CRC32C, base64 of the MD5 digest. */
function hashesOf(data: Buffer): { crc32c: string; md5Hash: string } {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(data));
  return { crc32c: crc.toString('base64'), md5Hash: createHash('md5').update(data).digest('base64') };
}

function hashesOfObject(stored: StoredObject): { crc32c: string; md5Hash: string } {
  stored.hashes ??= hashesOf(stored.data);
  return stored.hashes;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export async function startGcsFake(options: { bucket?: string; projectId?: string } = {}): Promise<GcsFake> {
  const bucketName = options.bucket ?? 'optuna-artifacts';
  const objects = new Map<string, StoredObject>();
  const sessions = new Map<string, UploadSession>();
  const requests: RecordedGcsRequest[] = [];
  let injected: { remaining: number; status: number; retryAfterSeconds?: number } | undefined;
  let nextGeneration = 1_700_000_000_000_000;
  let nextSessionId = 1;
  let endpoint = '';

  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/' });
    handle(request, response).catch((error: unknown) => {
      const httpError = error instanceof HttpError ? error : new HttpError(500, String(error), 'backendError');
      if (response.headersSent) response.destroy();
      else sendError(response, httpError.status, httpError.message, httpError.reason);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    if (injected && injected.remaining > 0) {
      injected.remaining--;
      const { status, retryAfterSeconds } = injected;
      await readBody(request);
      if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
      throw new HttpError(status, 'injected by the GCS fake', status === 403 ? 'forbidden' : 'backendError');
    }

    if (url.searchParams.has('X-Goog-Signature')) return serveSignedUrl(request, response, url, method);

    const uploadMatch = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const objectMatch = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const listMatch = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const bucketMatch = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname);
    const bucketInPath = decodeURIComponent((uploadMatch ?? objectMatch ?? listMatch ?? bucketMatch)?.[1] ?? '');
    if (bucketInPath !== bucketName) {
      await readBody(request);
      throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
    }

    if (uploadMatch && method === 'POST') return startUpload(request, response, url);
    if (uploadMatch && method === 'PUT') return continueResumableUpload(request, response, url);
    if (uploadMatch && method === 'DELETE') {
      await readBody(request);
      return cancelResumableUpload(response, url);
    }
    if (objectMatch) {
      const name = decodeURIComponent(objectMatch[2] ?? '');
      if (method === 'GET' && url.searchParams.get('alt') === 'media') return sendMedia(request, response, name);
      if (method === 'GET') return sendJson(response, 200, objectResource(name, existingObject(name)));
      if (method === 'DELETE') {
        existingObject(name);
        objects.delete(name);
        response.writeHead(204).end();
        return;
      }
    }
    if (listMatch && method === 'GET') return sendList(response, url);
    if (bucketMatch && method === 'GET') {
      return sendJson(response, 200, { kind: 'storage#bucket', id: bucketName, name: bucketName, location: 'US' });
    }
    await readBody(request);
    throw new HttpError(405, `${method} ${url.pathname} is not supported by the GCS fake`, 'notImplemented');
  }

  // A V4 signed URL: `/{bucket}/{name}`, the request's own method; the signed response-* query
  // parameters set the download's headers, as GCS does.
  async function serveSignedUrl(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    method: string,
  ): Promise<void> {
    const body = await readBody(request);
    verifySignedUrl(request, url, method);
    const [, bucket, ...nameParts] = url.pathname.split('/');
    if (decodeURIComponent(bucket ?? '') !== bucketName) throw new HttpError(404, 'No such bucket', 'notFound');
    const name = decodeURIComponent(nameParts.join('/'));
    if (method === 'PUT') {
      const stored = store(name, body, String(request.headers['content-type'] ?? 'application/octet-stream'));
      response.writeHead(200, { ETag: `"${hashesOfObject(stored).md5Hash}"`, 'Content-Length': '0' }).end();
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const contentType = url.searchParams.get('response-content-type');
      const disposition = url.searchParams.get('response-content-disposition');
      if (contentType !== null) response.setHeader('Content-Type', contentType);
      if (disposition !== null) response.setHeader('Content-Disposition', disposition);
      return sendMedia(request, response, name, contentType ?? undefined);
    }
    throw new HttpError(405, `${method} is not supported on signed URLs by the GCS fake`, 'notImplemented');
  }

  function cancelResumableUpload(response: ServerResponse, url: URL): void {
    const uploadId = url.searchParams.get('upload_id') ?? '';
    const session = sessions.get(uploadId);
    if (!session || session.completed) throw new HttpError(404, 'No such upload session', 'notFound');
    sessions.delete(uploadId);
    // GCS answers a cancelled session with 499 Client Closed Request.
    response.writeHead(499, { 'Content-Length': '0' }).end();
  }

  function existingObject(name: string): StoredObject {
    const stored = objects.get(name);
    if (!stored) throw new HttpError(404, `No such object: ${bucketName}/${name}`, 'notFound');
    return stored;
  }

  function store(name: string, data: Buffer, contentType: string): StoredObject {
    const stored = { data, generation: nextGeneration++, contentType, created: new Date().toISOString() };
    objects.set(name, stored);
    return stored;
  }

  function objectResource(name: string, stored: StoredObject): Record<string, unknown> {
    const id = `${bucketName}/${name}/${stored.generation}`;
    return {
      kind: 'storage#object',
      id,
      selfLink: `${endpoint}/storage/v1/b/${bucketName}/o/${encodeURIComponent(name)}`,
      mediaLink: `${endpoint}/download/storage/v1/b/${bucketName}/o/${encodeURIComponent(name)}?generation=${stored.generation}&alt=media`,
      name,
      bucket: bucketName,
      generation: String(stored.generation),
      metageneration: '1',
      contentType: stored.contentType,
      storageClass: 'STANDARD',
      size: String(stored.data.length),
      ...hashesOfObject(stored),
      etag: Buffer.from(`${stored.generation}/1`).toString('base64'),
      timeCreated: stored.created,
      updated: stored.created,
    };
  }

  function sendMedia(request: IncomingMessage, response: ServerResponse, name: string, contentType?: string): void {
    const stored = existingObject(name);
    const size = stored.data.length;
    const { crc32c: crc, md5Hash } = hashesOfObject(stored);
    const headers: Record<string, string> = {
      'Content-Type': contentType ?? stored.contentType,
      'X-Goog-Hash': `crc32c=${crc},md5=${md5Hash}`,
      'X-Goog-Generation': String(stored.generation),
      'X-Goog-Stored-Content-Encoding': 'identity',
      'X-Goog-Stored-Content-Length': String(size),
      'Accept-Ranges': 'bytes',
    };
    const range = parseRangeHeader(request.headers.range, size);
    if (range === 'unsatisfiable') {
      response.setHeader('Content-Range', `bytes */${size}`);
      throw new HttpError(416, 'The requested range cannot be satisfied.', 'requestedRangeNotSatisfiable');
    }
    if (range === undefined) {
      response.writeHead(200, { ...headers, 'Content-Length': String(size) });
      response.end(stored.data);
      return;
    }
    const body = stored.data.subarray(range.start, range.end + 1);
    response.writeHead(206, {
      ...headers,
      'Content-Length': String(body.length),
      'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
    });
    response.end(body);
  }

  function sendList(response: ServerResponse, url: URL): void {
    const prefix = url.searchParams.get('prefix') ?? '';
    const pageToken = url.searchParams.get('pageToken');
    const maxResults = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, 1000);
    const names = [...objects.keys()]
      .filter((name) => name.startsWith(prefix) && (pageToken === null || name > pageToken))
      .sort();
    const page = names.slice(0, maxResults);
    const lastOnPage = page[page.length - 1];
    sendJson(response, 200, {
      kind: 'storage#objects',
      items: page.map((name) => objectResource(name, existingObject(name))),
      ...(names.length > maxResults && lastOnPage !== undefined ? { nextPageToken: lastOnPage } : {}),
    });
  }

  async function startUpload(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const uploadType = url.searchParams.get('uploadType');
    const body = await readBody(request);
    if (uploadType === 'multipart') {
      const [metadataPart, mediaPart] = parseMultipartRelated(body, request.headers['content-type'] ?? '');
      const metadata = JSON.parse(metadataPart?.toString('utf8') || '{}') as { name?: string; contentType?: string };
      const name = url.searchParams.get('name') ?? metadata.name;
      if (!name || !mediaPart) throw new HttpError(400, 'multipart upload needs a name and a media part', 'invalid');
      const stored = store(name, mediaPart, metadata.contentType ?? 'application/octet-stream');
      return sendJson(response, 200, objectResource(name, stored));
    }
    if (uploadType === 'resumable') {
      const metadata = JSON.parse(body.toString('utf8') || '{}') as { name?: string; contentType?: string };
      const name = url.searchParams.get('name') ?? metadata.name;
      if (!name) throw new HttpError(400, 'resumable upload needs a name', 'invalid');
      const uploadId = `session-${nextSessionId++}`;
      const contentType =
        metadata.contentType ?? String(request.headers['x-upload-content-type'] ?? 'application/octet-stream');
      sessions.set(uploadId, { name, contentType, chunks: [], received: 0 });
      const location = `${endpoint}/upload/storage/v1/b/${bucketName}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${uploadId}`;
      response.writeHead(200, { Location: location, 'Content-Length': '0' }).end();
      return;
    }
    throw new HttpError(400, `uploadType ${uploadType ?? '(none)'} is not supported by the GCS fake`, 'invalid');
  }

  // Content-Range forms: "bytes S-E/T", "bytes S-*/T", "bytes S-*/*" (stream to the end of
  // this request, which completes the upload), "bytes */T" or "bytes */*" (status query).
  async function continueResumableUpload(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const session = sessions.get(url.searchParams.get('upload_id') ?? '');
    const body = await readBody(request);
    if (!session) throw new HttpError(404, 'No such upload session', 'notFound');
    if (session.completed) return sendJson(response, 200, objectResource(session.name, session.completed));
    const contentRange = String(request.headers['content-range'] ?? `bytes 0-*/*`);
    const match = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(contentRange.trim());
    if (!match) throw new HttpError(400, `bad Content-Range ${contentRange}`, 'invalid');
    const total = match[4] === '*' ? undefined : Number(match[4]);
    if (match[1] !== '*') {
      const start = Number(match[2]);
      if (start > session.received)
        throw new HttpError(400, `upload starts at ${start}, expected ${session.received}`, 'invalid');
      const fresh = body.subarray(session.received - start);
      session.chunks.push(fresh);
      session.received += fresh.length;
    }
    const complete = total !== undefined ? session.received === total : match[3] === '*';
    if (!complete) {
      if (session.received > 0) response.setHeader('Range', `bytes=0-${session.received - 1}`);
      response.writeHead(308, { 'Content-Length': '0' }).end();
      return;
    }
    const data = Buffer.concat(session.chunks);
    verifyClientHashes(request.headers['x-goog-hash'], data);
    session.completed = store(session.name, data, session.contentType);
    sendJson(response, 200, objectResource(session.name, session.completed));
  }

  // The client sends the hashes of what it uploaded; GCS refuses a mismatch.
  function verifyClientHashes(header: string | string[] | undefined, data: Buffer): void {
    if (typeof header !== 'string') return;
    const actual = hashesOf(data);
    for (const pair of header.split(',')) {
      const [kind, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()];
      const expected = kind === 'crc32c' ? actual.crc32c : kind === 'md5' ? actual.md5Hash : value;
      if (value !== expected) throw new HttpError(400, `Provided ${kind} hash doesn't match calculated`, 'invalid');
    }
  }

  function sendJson(response: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  function sendError(response: ServerResponse, status: number, message: string, reason: string): void {
    sendJson(response, status, { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    bucket: bucketName,
    requests,
    requestCount: () => requests.length,
    openSessionCount: () => [...sessions.values()].filter((session) => !session.completed).length,
    objectBytes: (name) => objects.get(name)?.data,
    failNext(count, status, failOptions = {}) {
      injected = { remaining: count, status, ...failOptions };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RFC 3986 strict percent-encoding, as the client's V4 signer encodes query parameters. */
const strictlyEncoded = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Checks a V4 signed URL as GCS does: the RSA-SHA256 signature over the canonical request (by
 * the key of {@link fakeServiceAccountCredentials}), and its expiry. A URL changed in any
 * signed part (path, query, a signed header such as Content-Type) is refused with 403.
 */
function verifySignedUrl(request: IncomingMessage, url: URL, method: string): void {
  const query = url.searchParams;
  const signature = query.get('X-Goog-Signature') ?? '';
  const signedHeaders = (query.get('X-Goog-SignedHeaders') ?? '').split(';');
  const canonicalQuery = [...query.entries()]
    .filter(([name]) => name !== 'X-Goog-Signature')
    .map(([name, value]) => [strictlyEncoded(name), strictlyEncoded(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  // The client signs the endpoint's host name without the port.
  const headerValue = (name: string): string =>
    name === 'host'
      ? String(request.headers.host ?? '').replace(/:\d+$/, '')
      : String(request.headers[name] ?? '').trim();
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${headerValue(name)}\n`).join('');
  const canonicalRequest = [
    method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const date = query.get('X-Goog-Date') ?? '';
  const scope = (query.get('X-Goog-Credential') ?? '').split('/').slice(1).join('/');
  const blob = ['GOOG4-RSA-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join(
    '\n',
  );
  const publicKey = createPublicKey(fakeServiceAccountCredentials().private_key);
  if (!verifySignature('RSA-SHA256', Buffer.from(blob), publicKey, Buffer.from(signature, 'hex'))) {
    throw new HttpError(
      403,
      'The request signature we calculated does not match the signature you provided.',
      'SignatureDoesNotMatch',
    );
  }
  const signedAt = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Date.now() > signedAt + Number(query.get('X-Goog-Expires') ?? 0) * 1000) {
    throw new HttpError(400, 'Request has expired', 'ExpiredToken');
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `bytes=S-E`, `bytes=S-` or `bytes=-N`; undefined when absent (a 200 with everything). */
function parseRangeHeader(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}

/** Splits a multipart/related body into its parts' contents (headers dropped). */
function parseMultipartRelated(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'multipart upload without a boundary', 'invalid');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let position = body.indexOf(delimiter);
  while (position !== -1) {
    const partStart = position + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    // Content runs from after the blank line to before the CRLF that precedes the delimiter.
    parts.push(part.subarray(headerEnd + 4, part.length - 2));
    position = next;
  }
  return parts;
}
