// One reader of the HTTP status for every store client's errors: the adapters' not-found and
// unsatisfiable-range checks and the retry decision all see the same status.
import { expect, it } from 'vitest';
import { httpStatusOf } from '../../src/stores/http-status.js';
import { awsServiceError, gaxiosError, gcsApiError, systemError } from './store-failures.js';

it.each([
  ['an AWS SDK service error', awsServiceError(404, 'NoSuchKey'), 404],
  ['a GCS ApiError', gcsApiError(416), 416],
  ['a gaxios error', gaxiosError(503), 503],
  ['a Node system error', systemError('ECONNRESET'), undefined],
  ['no error object at all', 'boom', undefined],
])('reads the status of %s', (_, error, status) => {
  expect(httpStatusOf(error)).toBe(status);
});
