// The token of a staged upload: everything needed to finish the upload, signed by the server
// (HMAC-SHA256), so that any instance holding the same key can complete or abort it without
// shared state. Signed, not encrypted: the client may read it, and nothing in it is secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ArtifactOwner } from '../db/artifact-attribute-writes.js';
import { badUserInput } from '../errors.js';

/** What the server promised when it issued the ticket. */
export interface UploadTicketClaims {
  artifactId: string;
  owner: ArtifactOwner;
  filename: string;
  mimetype: string;
  encoding: string | null;
  /** Exact byte count, checked at completion. */
  size: number;
  /** Lowercase hex, when the client declared it. */
  sha256?: string;
  /** The store's handle of the upload (S3 multipart upload id, GCS session URI). */
  uploadId?: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

// Without a configured key, one per process: its tickets complete only on this process.
const processSigningKey = randomBytes(32);

/** The HMAC key: the configured one, or this process's own. */
export function uploadSigningKey(configuredKey: string | undefined): Buffer {
  return configuredKey === undefined ? processSigningKey : Buffer.from(configuredKey, 'utf8');
}

// A version prefix, so a later format can refuse this one's tokens with a clear message.
const tokenPrefix = 'v1.';

export function signUploadTicket(claims: UploadTicketClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${tokenPrefix}${payload}.${signatureOf(payload, key)}`;
}

/**
 * The claims of a token this server (or another with the same key) signed. Expiry is the
 * caller's to check: an expired ticket is still worth reading, to clean up after it.
 * @throws AppError BAD_USER_INPUT when the token is malformed or its signature does not verify
 */
export function verifyUploadTicket(token: string, key: Buffer): UploadTicketClaims {
  const refused = badUserInput(
    'The upload token is not one this server issued (instances must share --upload-signing-key)',
  );
  if (typeof token !== 'string' || !token.startsWith(tokenPrefix)) throw refused;
  const [payload, signature, ...rest] = token.slice(tokenPrefix.length).split('.');
  if (payload === undefined || signature === undefined || rest.length > 0) throw refused;
  const expected = Buffer.from(signatureOf(payload, key), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Constant time: the comparison must not tell an attacker how much of a forgery was right.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as UploadTicketClaims;
}

function signatureOf(payload: string, key: Buffer): string {
  return createHmac('sha256', key).update(`${tokenPrefix}${payload}`).digest('base64url');
}
