// PUT /uploads/{token}: the upload target of a staged upload on a store that has no upload URLs
// of its own (the filesystem store). The body is spooled as a multipart upload's file is (size
// limit while streaming, sha256 on the way), checked against the ticket, and handed to the
// store's staging place; completeArtifactUpload then records it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rm } from 'node:fs/promises';
import type { AppServices } from '../app-services.js';
import { spoolUpload, drain } from '../artifacts/spool.js';
import { uploadSigningKey, verifyUploadTicket } from '../artifacts/upload-ticket-token.js';
import { isAppError, uploadExpired, uploadMismatch, type AppError } from '../errors.js';
import { sendGraphQLError, sendJson } from './plain-response.js';

export const stagedUploadPathPrefix = '/uploads/';

export async function receiveStagedUpload(
  request: IncomingMessage,
  response: ServerResponse,
  services: Pick<AppServices, 'config' | 'store'>,
): Promise<void> {
  if (request.method !== 'PUT') {
    refuse(
      request,
      response,
      { httpStatus: 405, code: 'BAD_USER_INPUT', message: 'Method not allowed' },
      { Allow: 'PUT' },
    );
    return;
  }
  const token = decodeURIComponent((request.url ?? '').split('?')[0]!.slice(stagedUploadPathPrefix.length));
  const receive = services.store.stagedUploads?.receive?.bind(services.store.stagedUploads);
  let claims;
  try {
    claims = verifyUploadTicket(token, uploadSigningKey(services.config.stagedUploads.signingKey));
    if (receive === undefined) throw uploadExpired('This artifact store takes the bytes at the URL of its ticket');
    if (Date.now() > claims.expiresAt) throw uploadExpired('The upload ticket has expired; start a new upload');
    const declaredLength = request.headers['content-length'];
    if (declaredLength !== undefined && Number(declaredLength) !== claims.size) {
      throw uploadMismatch(`Content-Length ${declaredLength} differs from the declared size ${claims.size}`);
    }
  } catch (error) {
    if (!isAppError(error)) throw error;
    refuse(request, response, error);
    return;
  }

  let spooled;
  try {
    spooled = await spoolUpload(request, services.store.spoolDirectory, claims.size, { flushWhileWriting: true });
  } catch (error) {
    if (!isAppError(error)) throw error;
    // Over the declared size is a mismatch, not the server's limit.
    refuse(request, response, uploadMismatch(`more than the declared ${claims.size} bytes arrived; nothing was kept`));
    return;
  }
  if (spooled.size !== claims.size || (claims.sha256 !== undefined && spooled.sha256 !== claims.sha256)) {
    await rm(spooled.path, { force: true });
    const what = spooled.size !== claims.size ? `${spooled.size} bytes` : `bytes with sha256 ${spooled.sha256}`;
    refuse(request, response, uploadMismatch(`${what} arrived, not what the upload declared; nothing was kept`));
    return;
  }
  try {
    await receive(claims.artifactId, spooled.path);
  } finally {
    await rm(spooled.path, { force: true });
  }
  // The ETag lets one client code path serve every store: S3 parts answer with one, too.
  sendJson(response, 200, { size: spooled.size, sha256: spooled.sha256 }, { ETag: `"${spooled.sha256}"` });
}

/**
 * Answers with the error. A body still arriving (maybe gigabytes) is not waited for: the
 * connection closes after the answer, and what is in flight meanwhile is dropped.
 */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  error: Pick<AppError, 'httpStatus' | 'code' | 'message'>,
  headers: Record<string, string> = {},
): void {
  if (!request.readableEnded) response.setHeader('Connection', 'close');
  drain(request);
  sendGraphQLError(response, error.httpStatus, error.code, error.message, headers);
}
