// CORS for every route (/graphql, /artifacts/…, /uploads/…), the only CORS code of the server:
// pages of the --cors-origin origins may read and write; with none configured no response
// carries CORS headers, so browsers keep every other origin's pages out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { csrfPreventionHeaders } from './request-guards.js';
import { sendGraphQLError } from './plain-response.js';
import { forbidden } from '../errors.js';

/** What an allowed page may send: GraphQL with a token and the CSRF header, ranges, revalidation, SSE resumption. */
const allowedHeaders = [
  'authorization',
  'content-type',
  ...csrfPreventionHeaders,
  'range',
  'if-none-match',
  'if-range',
  'last-event-id',
].join(', ');

/** What an allowed page may read besides the CORS-safelisted headers: download metadata, and ETags of staged upload parts. */
const exposedHeaders = 'content-length, content-range, content-disposition, etag, accept-ranges, www-authenticate';

/** GraphQL (GET, POST), downloads (GET, HEAD) and staged uploads (PUT). */
const allowedMethods = 'GET, HEAD, POST, PUT, OPTIONS';

/**
 * Sets the CORS response headers for a page of an allowed origin, and answers every preflight
 * (allowed: 204 with the rules; any other origin: 403 without them, so the browser blocks the
 * request). Returns true when the request is answered.
 */
export function applyCors(
  request: IncomingMessage,
  response: ServerResponse,
  allowedOrigins: readonly string[],
): boolean {
  // Responses differ by Origin: a cache must not hand one origin's answer to another.
  if (allowedOrigins.length > 0 && !allowedOrigins.includes('*')) response.setHeader('Vary', 'Origin');
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  if (!isOriginAllowed(origin, allowedOrigins)) {
    if (!isPreflight) return false; // same-origin pages need no CORS headers; other origins' pages cannot read the answer
    const refusal = forbidden(`pages of ${origin} may not call this server (see --cors-origin)`);
    sendGraphQLError(response, refusal.httpStatus, refusal.code, refusal.message);
    return true;
  }
  response.setHeader('Access-Control-Allow-Origin', allowedOrigins.includes('*') ? '*' : origin);
  response.setHeader('Access-Control-Expose-Headers', exposedHeaders);
  if (!isPreflight) return false;
  response.setHeader('Access-Control-Allow-Methods', allowedMethods);
  response.setHeader('Access-Control-Allow-Headers', allowedHeaders);
  response.setHeader('Access-Control-Max-Age', '600');
  response.writeHead(204).end();
  return true;
}

/** `*`, or exactly the page's origin (scheme, host and port). */
export function isOriginAllowed(origin: string, allowedOrigins: readonly string[]): boolean {
  return allowedOrigins.includes('*') || allowedOrigins.includes(origin);
}
