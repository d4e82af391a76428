// Decides whether a failed store call is worth another attempt, from the shapes of the
// errors the AWS SDK, the GCS client and Node itself throw. Backoff is the only caller.
import { ArtifactNotFoundError, ByteRangeNotSatisfiableError, InvalidArtifactIdError } from './artifact-store.js';
import { httpStatusOf } from './http-status.js';

export interface FailureClassification {
  /** The same call may succeed if made again later. */
  transient: boolean;
  /** Seconds the server asked the client to wait (`Retry-After`), when it said so. */
  retryAfterSeconds?: number;
}

// Error names/codes AWS services use for throttling and server-side timeouts (the SDK's own
// retry strategy treats the same set as retryable), plus S3's generic 5xx codes.
const transientServiceErrorNames = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
]);

// Connection-level failures: the request may never have reached the server, or its answer
// was lost. ENOTFOUND is deliberately absent: a misspelt endpoint host should fail at once
// instead of after a minute of retries (EAI_AGAIN is the resolver's "try again").
const transientSystemErrorCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // Local resource pressure on the filesystem store that clears by itself.
  'EMFILE',
  'ENFILE',
  'EAGAIN',
  'EBUSY',
  // @google-cloud/storage: the uploaded object's checksum did not match what was sent, i.e.
  // the bytes were damaged in transit; the client has deleted the object and a resend fixes it.
  'FILE_NO_UPLOAD',
]);

/** 408, 429 and 5xx are transient, except 501/505 which say the server will never do it. */
export function isTransientHttpStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/**
 * Classifies a failure. Not-found, invalid ids and ranges, auth (401/403), other 4xx, and
 * anything unrecognised (programming errors included) are permanent: retrying cannot help
 * and would only delay the answer.
 */
export function classifyFailure(error: unknown, now: number = Date.now()): FailureClassification {
  if (
    error instanceof ArtifactNotFoundError ||
    error instanceof InvalidArtifactIdError ||
    error instanceof ByteRangeNotSatisfiableError
  ) {
    return { transient: false };
  }
  for (const candidate of errorChain(error)) {
    const status = httpStatusOf(candidate);
    if (status !== undefined) {
      // The HTTP status is the server's own verdict, so it decides over any name or code.
      const transient = isTransientHttpStatus(status);
      const retryAfterSeconds = transient ? retryAfterSecondsOf(candidate, now) : undefined;
      return retryAfterSeconds === undefined ? { transient } : { transient, retryAfterSeconds };
    }
    if (transientServiceErrorNames.has(stringField(candidate, 'name') ?? '')) return { transient: true };
    if (transientServiceErrorNames.has(stringField(candidate, 'Code') ?? '')) return { transient: true };
    if (transientSystemErrorCodes.has(stringField(candidate, 'code') ?? '')) return { transient: true };
  }
  return { transient: false };
}

/** The error, then its causes and aggregated errors, breadth-first, without cycles. */
function* errorChain(error: unknown): Generator<object> {
  const queue: unknown[] = [error];
  const seen = new Set<object>();
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    yield current;
    queue.push((current as { cause?: unknown }).cause);
    const aggregated = (current as { errors?: unknown }).errors;
    if (Array.isArray(aggregated)) queue.push(...aggregated);
  }
}

function stringField(value: object, key: string): string | undefined {
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

function retryAfterSecondsOf(error: object, now: number): number | undefined {
  const fields = error as { $response?: { headers?: unknown }; response?: { headers?: unknown } };
  const header =
    headerValue(fields.$response?.headers, 'retry-after') ?? headerValue(fields.response?.headers, 'retry-after');
  return header === undefined ? undefined : parseRetryAfter(header, now);
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
