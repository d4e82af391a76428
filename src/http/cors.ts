// CORS for the configured origins (--cors-origin). No origin configured = no CORS headers,
// so browsers only allow same-origin pages.
import type { IncomingMessage, ServerResponse } from 'node:http';

const allowedHeaders = 'authorization, content-type, x-graphql-yoga-csrf, apollo-require-preflight, range, if-none-match';
const exposedHeaders = 'content-length, content-range, content-disposition, content-encoding, etag, accept-ranges';

/** Sets the CORS response headers; returns true when the request was a preflight that is now answered. */
export function applyCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: string[]): boolean {
  const origin = request.headers.origin;
  if (allowedOrigins.length === 0 || origin === undefined) return false;
  const allowed = allowedOrigins.includes('*') || allowedOrigins.includes(origin);
  if (!allowed) return false;
  response.setHeader('Access-Control-Allow-Origin', allowedOrigins.includes('*') ? '*' : origin);
  response.setHeader('Vary', 'Origin');
  response.setHeader('Access-Control-Expose-Headers', exposedHeaders);
  if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
    response.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, OPTIONS');
    response.setHeader('Access-Control-Allow-Headers', allowedHeaders);
    response.setHeader('Access-Control-Max-Age', '600');
    response.writeHead(204).end();
    return true;
  }
  return false;
}
