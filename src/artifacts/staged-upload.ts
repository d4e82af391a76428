// Staged (direct-to-bucket) uploads: createArtifactUpload checks the upload as uploadArtifact
// does and hands out a signed ticket; the client sends the bytes to the store itself (S3 / GCS
// presigned URLs, or the server's `PUT /uploads/{token}` for the filesystem store); then
// completeArtifactUpload checks the bytes against the ticket and records the artifact like any
// upload, or abortArtifactUpload removes them. The ticket carries all the state, so any instance
// with the same signing key can finish what another began.
import { createHash, randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ServerConfig } from '../config/config.js';
import {
  badUserInput,
  isAppError,
  payloadTooLarge,
  storeUnavailable,
  uploadExpired,
  uploadMismatch,
} from '../errors.js';
import {
  isArtifactNotFound,
  StagedPartsError,
  type ArtifactStore,
  type CompletedPart,
  type StagedUploads,
  type UploadHeader,
  type UploadPartTarget,
} from '../stores/artifact-store.js';
import { describeError } from '../error-text.js';
import { logger } from '../logger.js';
import { findArtifact } from './artifact-listing.js';
import type { ArtifactRecord } from './artifact-records.js';
import {
  artifactOwnerFromArguments,
  assertOwnerAcceptsUploads,
  nameArtifact,
  recordStoredArtifacts,
  storedFile,
  type ArtifactUploadServices,
  type OwnerArguments,
} from './upload-artifact.js';
import {
  signUploadTicket,
  uploadSigningKey,
  verifyUploadTicket,
  type UploadTicketClaims,
} from './upload-ticket-token.js';

/** What a staged upload uses: an upload's services, plus its limits and ticket settings. */
export interface StagedUploadServices extends ArtifactUploadServices {
  config: Pick<ServerConfig, 'allowFinishedTrialUploads' | 'stagedUploads' | 'uploads'>;
}

export interface CreateArtifactUploadInput extends OwnerArguments {
  filename: string;
  mimetype?: string | null;
  encoding?: string | null;
  size: number;
  sha256?: string | null;
}

export interface ArtifactUploadTicket {
  artifactId: string;
  token: string;
  /** ISO-8601, UTC. */
  expiresAt: string;
  method: 'PUT';
  url: string | null;
  headers: UploadHeader[];
  parts: UploadPartTarget[];
}

/**
 * Every staged object is sent as plain bytes: Optuna's stores keep no type either, and a
 * redirected download gets its Content-Type from the presigned URL.
 */
const stagedContentType = 'application/octet-stream';

/**
 * Refuses what `uploadArtifact` would refuse (owner, finished trial, size limit, names and
 * types), then starts the upload in the store and signs its ticket.
 * @param serverOrigin where this server is reached (`--public-url`, else the request's origin):
 *   the filesystem store's upload URL is the server's own
 */
export async function createArtifactUpload(
  services: StagedUploadServices,
  input: CreateArtifactUploadInput,
  serverOrigin: string,
): Promise<ArtifactUploadTicket> {
  const owner = artifactOwnerFromArguments(input);
  const naming = nameArtifact(input.filename, { mimetype: input.mimetype, encoding: input.encoding });
  const size = input.size;
  if (!Number.isSafeInteger(size) || size < 0) throw badUserInput('size must be a whole number of bytes, 0 or more');
  if (size > services.config.uploads.maxFileSize) {
    throw payloadTooLarge(
      `the file is larger than the ${services.config.uploads.maxFileSize}-byte limit (--max-file-size)`,
    );
  }
  const sha256 = input.sha256 == null ? undefined : declaredSha256(input.sha256);
  await assertOwnerAcceptsUploads(services, owner);
  const staged = stagedUploadsOf(services.store);

  const artifactId = randomUUID();
  const { ticketTtlSeconds, partSize, signingKey } = services.config.stagedUploads;
  const expiresAt = Date.now() + ticketTtlSeconds * 1000;
  let target;
  try {
    target = await staged.createUpload(artifactId, {
      size,
      ...(sha256 === undefined ? {} : { sha256 }),
      contentType: stagedContentType,
      expiresInSeconds: ticketTtlSeconds,
      partSize,
    });
  } catch (error) {
    if (error instanceof RangeError) throw badUserInput(error.message);
    logger.error('could not start a staged upload', { artifactId, error: describeError(error) });
    throw storeUnavailable('The artifact store did not accept the upload', error);
  }
  const claims: UploadTicketClaims = {
    artifactId,
    owner,
    ...naming,
    size,
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(target.uploadId === undefined ? {} : { uploadId: target.uploadId }),
    expiresAt,
  };
  const token = signUploadTicket(claims, uploadSigningKey(signingKey));
  const url = target.url ?? (target.parts.length === 0 ? `${serverOrigin}/uploads/${token}` : null);
  return {
    artifactId,
    token,
    expiresAt: new Date(expiresAt).toISOString(),
    method: 'PUT',
    url,
    headers: target.headers,
    parts: target.parts,
  };
}

/**
 * Finishes the upload and records the artifact: the bytes must be there (else UPLOAD_EXPIRED)
 * and be what the ticket declared (else UPLOAD_MISMATCH, and they are removed). Completing a
 * completed ticket again returns the same artifact.
 */
export async function completeArtifactUpload(
  services: StagedUploadServices,
  token: string,
  parts: readonly CompletedPart[] | null | undefined,
): Promise<ArtifactRecord> {
  const claims = claimsOf(services, token);
  const { artifactId } = claims;
  const recorded = await findArtifact(services.database, artifactId);
  if (recorded !== null) return recorded;
  const staged = stagedUploadsOf(services.store);
  if (Date.now() > claims.expiresAt) {
    await abortQuietly(staged, claims);
    throw uploadExpired('The upload ticket has expired; nothing was stored. Start a new upload.');
  }

  try {
    await staged.completeUpload(artifactId, claims.uploadId, parts ?? undefined);
  } catch (error) {
    if (isArtifactNotFound(error)) {
      // A completion running at the same time may have taken the upload: its artifact is ours.
      const completedMeanwhile = await findArtifact(services.database, artifactId);
      if (completedMeanwhile !== null) return completedMeanwhile;
      throw bytesMissing();
    }
    // The client may complete again with the right parts: nothing is removed.
    if (error instanceof StagedPartsError) throw badUserInput(error.message);
    throw storeUnavailable('The artifact store could not complete the upload', error);
  }
  const sha256 = await checkedBytes(services.store, staged, claims);
  const [record] = await recordStoredArtifacts(services, claims.owner, [
    storedFile(
      artifactId,
      { filename: claims.filename, mimetype: claims.mimetype, encoding: claims.encoding },
      { size: claims.size, ...(sha256 === undefined ? {} : { sha256 }) },
    ),
  ]);
  return record!;
}

/**
 * Removes whatever the upload sent. False when there was nothing to abort because the upload
 * is complete: the artifact stays (deleteArtifact removes it).
 */
export async function abortArtifactUpload(services: StagedUploadServices, token: string): Promise<boolean> {
  const claims = claimsOf(services, token);
  if ((await findArtifact(services.database, claims.artifactId)) !== null) return false;
  try {
    await stagedUploadsOf(services.store).abortUpload(claims.artifactId, claims.uploadId);
  } catch (error) {
    throw storeUnavailable('The artifact store could not abort the upload', error);
  }
  return true;
}

/**
 * Checks the completed bytes against the ticket; on a mismatch removes them. Resolves with
 * the sha256 when one was declared (and so verified).
 */
async function checkedBytes(
  store: ArtifactStore,
  staged: StagedUploads,
  claims: UploadTicketClaims,
): Promise<string | undefined> {
  const { artifactId } = claims;
  try {
    const { size } = await store.stat(artifactId);
    if (size !== claims.size) {
      throw uploadMismatch(`${size} bytes arrived, but the upload declared ${claims.size}; nothing was stored`);
    }
    if (claims.sha256 === undefined) return undefined;
    // The backend's own verified checksum where it has one; reading the bytes back otherwise.
    const sha256 = (await staged.storedSha256?.(artifactId)) ?? (await sha256OfStoredBytes(store, artifactId));
    if (sha256 !== claims.sha256) {
      throw uploadMismatch(
        `the bytes have sha256 ${sha256}, but the upload declared ${claims.sha256}; nothing was stored`,
      );
    }
    return sha256;
  } catch (error) {
    if (isArtifactNotFound(error)) throw bytesMissing();
    await abortQuietly(staged, claims);
    if (isAppError(error)) throw error;
    throw storeUnavailable('The artifact store could not check the uploaded bytes', error);
  }
}

async function sha256OfStoredBytes(store: ArtifactStore, artifactId: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(await store.read(artifactId), hash);
  return hash.digest('hex');
}

function claimsOf(services: StagedUploadServices, token: string): UploadTicketClaims {
  return verifyUploadTicket(token, uploadSigningKey(services.config.stagedUploads.signingKey));
}

function stagedUploadsOf(store: ArtifactStore): StagedUploads {
  if (store.stagedUploads === undefined) throw badUserInput(`${store.describe()} takes no staged uploads`);
  return store.stagedUploads;
}

function declaredSha256(text: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw badUserInput('sha256 must be 64 hexadecimal digits');
  return text.toLowerCase();
}

const bytesMissing = () =>
  uploadExpired('No bytes of this upload are in the store (never sent, aborted, or expired); start a new upload.');

/** Best effort: whatever is left is reported by `check` and removed by `check --fix`. */
async function abortQuietly(staged: StagedUploads, claims: UploadTicketClaims): Promise<void> {
  try {
    await staged.abortUpload(claims.artifactId, claims.uploadId);
  } catch (error) {
    logger.error('could not remove the bytes of a staged upload', {
      artifactId: claims.artifactId,
      error: describeError(error),
    });
  }
}
