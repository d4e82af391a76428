// What a node-postgres error means to the transaction runner (server/server-dialect.ts
// ServerErrorKind): conflicts to run again, connection failures, or anything else.
import type { ServerErrorKind } from '../server/server-dialect.js';

/** SQLSTATEs of a transaction the server rolled back for running concurrently with another. */
const conflictCodes = new Set(['40001' /* serialization_failure */, '40P01' /* deadlock_detected */]);

/** SQLSTATEs of a server that is going away, starting or full. Class 08 (connection exceptions) too. */
const unavailableCodes = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);

/** Node's socket errors when the server cannot be reached. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres's own words for a connection that broke or could not be made in time. */
const brokenConnectionMessage =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|Connection ended/i;

export function classifyPostgresqlError(error: unknown): ServerErrorKind {
  if (!(error instanceof Error)) return 'other';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (conflictCodes.has(code)) return 'retry-transaction';
    if (unavailableCodes.has(code) || code.startsWith('08') || socketCodes.has(code)) return 'connection';
  }
  // Node reports a refused connection to a name with several addresses as one AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => classifyPostgresqlError(inner) === 'connection'))
    return 'connection';
  return brokenConnectionMessage.test(error.message) ? 'connection' : 'other';
}
