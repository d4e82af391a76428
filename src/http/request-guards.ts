// Checks that run on the raw request before any body byte is read: CSRF prevention for
// "simple" requests and the bearer token. Multipart bodies are huge, so refusing them must
// not wait for the body (a browser form post or an unauthenticated client gets its answer
// at once and the upload is never stored).
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/**
 * Content types a browser may send cross-site without a CORS preflight. A GraphQL request
 * with one of them must carry a custom header, which a cross-site form cannot add.
 */
const simpleContentTypes = ['multipart/form-data', 'application/x-www-form-urlencoded', 'text/plain'];

/** Headers that prove the request was made by script under CORS rules (Yoga's and Apollo's names). */
export const csrfPreventionHeaders = [
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'graphql-preflight',
];

export function isCsrfSuspect(request: IncomingMessage): boolean {
  if (request.method !== 'POST') return false;
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isSimple = contentType === '' || simpleContentTypes.includes(contentType);
  return isSimple && !csrfPreventionHeaders.some((name) => request.headers[name] !== undefined);
}

export function isMultipartRequest(request: IncomingMessage): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Compares in constant time so the token cannot be guessed byte by byte from response times. */
export function isTokenAccepted(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const presentedBytes = Buffer.from(presented);
  const expectedBytes = Buffer.from(expected);
  return presentedBytes.length === expectedBytes.length && timingSafeEqual(presentedBytes, expectedBytes);
}
