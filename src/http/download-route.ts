// GET/HEAD /artifacts/{artifactId} (and optuna-dashboard's /artifacts/{studyId}[/{trialId}]/{artifactId}):
// the bytes streamed from the store with the headers a browser and a download manager need —
// length, ranges, a strong ETag, and a type and disposition that cannot turn an artifact into
// a script running on this origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AppServices } from '../app-services.js';
import { open } from 'node:fs/promises';
import {
  ArtifactNotFoundError,
  isArtifactNotFound,
  isValidArtifactId,
  type ArtifactStat,
  type ArtifactStore,
  type ByteRange,
} from '../stores/artifact-store.js';
import { sendFileRange } from './send-file.js';
import { contentDisposition } from './content-disposition.js';
import { contentRangeHeader, parseRangeHeader } from './byte-range.js';
import { etagMatches, ifRangeAllowsPartialResponse } from './conditional-request.js';
import { sendText } from './plain-response.js';
import { downloadContentType } from './download-content-type.js';
import { findArtifactWithoutWaiting } from '../artifacts/artifact-listing.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import { logger } from '../logger.js';
import { describeError } from '../error-text.js';

interface DownloadPath {
  artifactId: string;
  studyId?: number;
  trialId?: number;
}

/**
 * Artifacts never change under their id, so clients may keep them; `private` keeps shared
 * caches from serving an artifact after it was deleted.
 */
const cacheControl = 'private, max-age=31536000, immutable';

/**
 * How long a redirect's presigned URL works: long enough to follow it and resume a download a
 * few times, short enough that a leaked link soon stops working. Not cached by clients (the
 * redirect is `no-store`), so each GET gets a fresh one.
 */
const redirectUrlLifetimeSeconds = 300;

const missingBytesMessage = 'The artifact is listed, but its bytes are not in the artifact store';

/**
 * Even an inline artifact is a document of its own: no scripts, no plugins, no network, no
 * same-origin access (an SVG or HTML file opened directly cannot act as this origin).
 */
const contentSecurityPolicy =
  "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox";

/** The path parts of a download URL, or a client error message. */
export function parseDownloadPath(path: string): DownloadPath | string {
  const segments = path.split('/').slice(2);
  let decoded: string[];
  try {
    decoded = segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return 'the path is not valid percent-encoding';
  }
  const artifactId = decoded.at(-1) ?? '';
  if (decoded.length < 1 || decoded.length > 3 || !isValidArtifactId(artifactId)) {
    return 'expected /artifacts/{artifactId} with an Optuna artifact id (a UUID)';
  }
  const owners = decoded.slice(0, -1);
  if (!owners.every((segment) => /^\d{1,15}$/.test(segment))) return 'study and trial ids in the path must be integers';
  const [studyId, trialId] = owners.map(Number);
  return { artifactId, studyId, trialId };
}

export async function serveArtifactDownload(
  request: IncomingMessage,
  response: ServerResponse,
  services: Pick<AppServices, 'database' | 'store' | 'config'>,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const parsed = parseDownloadPath(url.pathname);
  if (typeof parsed === 'string') {
    sendText(response, 400, parsed);
    return;
  }
  const artifact = await findArtifactWithoutWaiting(services.database, parsed.artifactId);
  const belongsToPath =
    artifact !== null &&
    (parsed.studyId === undefined || parsed.studyId === artifact.studyId) &&
    (parsed.trialId === undefined || parsed.trialId === artifact.trialId);
  if (artifact === null || !belongsToPath) {
    sendText(response, 404, 'No such artifact');
    return;
  }

  const forceAttachment = url.searchParams.get('download') === '1';
  if (
    services.config.downloadRedirect &&
    (await redirectToBucket(request, response, services.store, artifact, forceAttachment))
  )
    return;

  let stat: ArtifactStat;
  try {
    stat = await services.store.stat(parsed.artifactId);
  } catch (error) {
    if (isArtifactNotFound(error)) {
      sendText(response, 404, missingBytesMessage);
      return;
    }
    logger.error('artifact store stat failed', { artifactId: parsed.artifactId, error: describeError(error) });
    sendText(response, 503, 'The artifact store is unavailable', { 'Retry-After': '5' });
    return;
  }

  const meta = artifact;
  const etag = `"${meta.sha256 ?? stat.etag ?? `${parsed.artifactId}-${stat.size}`}"`;
  const contentType = downloadContentType(meta.mimetype, meta.encoding);
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': contentSecurityPolicy,
    'Content-Disposition': contentDisposition(meta.filename, {
      mimetype: contentType,
      forceAttachment,
    }),
  };

  if (etagMatches(request.headers['if-none-match'], etag)) {
    response.writeHead(304, { ETag: etag, 'Cache-Control': cacheControl });
    response.end();
    return;
  }

  const range = ifRangeAllowsPartialResponse(singleHeader(request.headers['if-range']), etag)
    ? parseRangeHeader(request.headers.range, stat.size)
    : ({ kind: 'none' } as const);
  if (range.kind === 'unsatisfiable') {
    sendText(response, 416, 'Range not satisfiable', { 'Content-Range': contentRangeHeader(range, stat.size) });
    return;
  }
  const status = range.kind === 'range' ? 206 : 200;
  const length = range.kind === 'range' ? range.end - range.start + 1 : stat.size;
  headers['Content-Length'] = String(length);
  if (range.kind === 'range') headers['Content-Range'] = contentRangeHeader(range, stat.size);

  if (request.method === 'HEAD' || length === 0) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const bytes = range.kind === 'range' ? { start: range.start, end: range.end } : { start: 0, end: stat.size - 1 };
  try {
    await sendBytes(services.store, parsed.artifactId, bytes, () => response.writeHead(status, headers), response);
  } catch (error) {
    if (isArtifactNotFound(error) && !response.headersSent) {
      sendText(response, 404, missingBytesMessage);
      return;
    }
    // The client went away, or the store failed mid-stream: the response is already partly
    // sent, so the connection is cut and the client sees a short body.
    logger.warn('download interrupted', { artifactId: parsed.artifactId, error: describeError(error) });
  }
}

/**
 * `--download-redirect`: answers 307 to a presigned URL of the bucket, which then serves the
 * bytes, ranges and the headers this server would send (carried in the signed URL). False when
 * the store has no URL for this request, which the server then answers itself.
 */
async function redirectToBucket(
  request: IncomingMessage,
  response: ServerResponse,
  store: ArtifactStore,
  artifact: ArtifactRecord,
  forceAttachment: boolean,
): Promise<boolean> {
  if (store.presignedDownloadUrl === undefined) return false;
  const contentType = downloadContentType(artifact.mimetype, artifact.encoding);
  const location = await store.presignedDownloadUrl(artifact.artifactId, {
    method: request.method === 'HEAD' ? 'HEAD' : 'GET',
    contentType,
    contentDisposition: contentDisposition(artifact.filename, { mimetype: contentType, forceAttachment }),
    expiresInSeconds: redirectUrlLifetimeSeconds,
  });
  if (location === undefined) return false;
  // no-store: each request gets a fresh URL, never one that expired in a cache.
  response.writeHead(307, { Location: location, 'Cache-Control': 'private, no-store', 'Content-Length': '0' });
  response.end();
  return true;
}

/**
 * Streams the bytes from the store; `writeHead` runs once they can be read, so a file that
 * vanished since `stat` still gets a clean 404. A local file goes through reused buffers.
 */
async function sendBytes(
  store: ArtifactStore,
  artifactId: string,
  bytes: ByteRange,
  writeHead: () => void,
  response: ServerResponse,
): Promise<void> {
  const localPath = store.localFilePath?.(artifactId);
  if (localPath !== undefined) {
    const file = await open(localPath, 'r').catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? new ArtifactNotFoundError(artifactId, { cause: error })
        : error;
    });
    writeHead();
    await sendFileRange(response, file, bytes.start, bytes.end);
    return;
  }
  const body = await store.read(artifactId, bytes);
  writeHead();
  await pipeline(body, response);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
