// Errors shaped like the ones the AWS SDK, the GCS client (and gaxios) and Node throw, for
// unit tests of failure classification and Backoff.

/** An AWS SDK v3 service exception: `name` is the S3 error code. */
export function awsServiceError(status: number, name: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${name} (${status})`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    $response: { statusCode: status, headers },
  });
}

/** A @google-cloud/storage ApiError: the HTTP status is a numeric `code`. */
export function gcsApiError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`GCS answered ${status}`), {
    code: status,
    response: { statusCode: status, headers },
  });
}

/** A gaxios request error (GCS uploads). */
export function gaxiosError(status: number): Error {
  return Object.assign(new Error(`Request failed with status code ${status}`), {
    status,
    response: { status, headers: {} },
  });
}

/** A Node system error such as ECONNRESET. */
export function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}
