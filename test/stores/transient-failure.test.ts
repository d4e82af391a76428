import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ArtifactNotFoundError,
  ByteRangeNotSatisfiableError,
  InvalidArtifactIdError,
} from '../../src/stores/artifact-store.js';
import { classifyFailure, parseRetryAfter } from '../../src/stores/transient-failure.js';
import { awsServiceError, gaxiosError, gcsApiError, systemError } from './store-failures.js';

describe('classifyFailure', () => {
  it.each([
    ['S3 408 RequestTimeout', awsServiceError(408, 'RequestTimeout')],
    ['S3 429', awsServiceError(429, 'TooManyRequests')],
    ['S3 500 InternalError', awsServiceError(500, 'InternalError')],
    ['S3 502', awsServiceError(502, 'BadGateway')],
    ['S3 503 SlowDown', awsServiceError(503, 'SlowDown')],
    ['S3 504', awsServiceError(504, 'GatewayTimeout')],
    ['a throttling code without a status', Object.assign(new Error('x'), { name: 'ThrottlingException' })],
    ['an SDK client-side timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['GCS 503', gcsApiError(503)],
    ['GCS 429', gcsApiError(429)],
    ['a gaxios 502', gaxiosError(502)],
    ['ECONNRESET', systemError('ECONNRESET')],
    ['ECONNREFUSED', systemError('ECONNREFUSED')],
    ['ETIMEDOUT', systemError('ETIMEDOUT')],
    ['EPIPE', systemError('EPIPE')],
    ['EAI_AGAIN', systemError('EAI_AGAIN')],
    ['a reset wrapped as the cause', new Error('upload failed', { cause: systemError('ECONNRESET') })],
    ['a reset inside an AggregateError', new AggregateError([systemError('ECONNRESET')], 'all attempts failed')],
  ])('retries %s', (_, error) => {
    expect(classifyFailure(error).transient).toBe(true);
  });

  it.each([
    ['ArtifactNotFoundError', new ArtifactNotFoundError(randomUUID())],
    ['InvalidArtifactIdError', new InvalidArtifactIdError('../x')],
    ['ByteRangeNotSatisfiableError', new ByteRangeNotSatisfiableError(randomUUID(), { start: 9, end: 10 })],
    ['S3 400', awsServiceError(400, 'InvalidArgument')],
    ['S3 401', awsServiceError(401, 'Unauthorized')],
    ['S3 403 AccessDenied', awsServiceError(403, 'AccessDenied')],
    ['S3 404 NoSuchBucket', awsServiceError(404, 'NoSuchBucket')],
    ['S3 405', awsServiceError(405, 'MethodNotAllowed')],
    ['S3 501 NotImplemented', awsServiceError(501, 'NotImplemented')],
    ['a 403 even with a throttling-like name', awsServiceError(403, 'SlowDown')],
    ['GCS 401', gcsApiError(401)],
    ['GCS 403', gcsApiError(403)],
    ['a gaxios 400', gaxiosError(400)],
    ['a missing source file (ENOENT)', systemError('ENOENT')],
    ['an unknown host (ENOTFOUND)', systemError('ENOTFOUND')],
    ['a programming error', new TypeError('x is not a function')],
    ['a RangeError from a malformed range', new RangeError('invalid byte range')],
    ['a thrown string', 'oops'],
    ['undefined', undefined],
  ])('does not retry %s', (_, error) => {
    expect(classifyFailure(error).transient).toBe(false);
  });

  it('reads Retry-After from an S3 error response', () => {
    expect(classifyFailure(awsServiceError(503, 'SlowDown', { 'retry-after': '4' }))).toEqual({
      transient: true,
      retryAfterSeconds: 4,
    });
  });

  it('reads Retry-After from a GCS error response, whatever the header case', () => {
    expect(classifyFailure(gcsApiError(429, { 'Retry-After': '2.5' }))).toEqual({
      transient: true,
      retryAfterSeconds: 2.5,
    });
  });

  it('ignores Retry-After on a permanent failure', () => {
    expect(classifyFailure(awsServiceError(403, 'AccessDenied', { 'retry-after': '4' }))).toEqual({ transient: false });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
  });

  it('reads an HTTP date as the seconds until then', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:09 GMT', now)).toBe(9);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores nonsense', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
