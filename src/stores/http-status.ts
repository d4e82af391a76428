// The HTTP status in the errors of the store clients (AWS SDK, GCS client, gaxios): one reader
// for the adapters (not-found, unsatisfiable range) and for the retry decision.

function asHttpStatus(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}

/** The HTTP status a store client's error carries, whichever client threw it. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as {
    $metadata?: { httpStatusCode?: unknown };
    $response?: { statusCode?: unknown };
    code?: unknown;
    status?: unknown;
    response?: { status?: unknown; statusCode?: unknown };
  };
  return (
    // AWS SDK v3 service exceptions.
    asHttpStatus(fields.$metadata?.httpStatusCode) ??
    asHttpStatus(fields.$response?.statusCode) ??
    // @google-cloud/storage ApiError and its resumable-upload errors carry the status as `code`.
    asHttpStatus(fields.code) ??
    // gaxios errors.
    asHttpStatus(fields.status) ??
    asHttpStatus(fields.response?.status) ??
    asHttpStatus(fields.response?.statusCode)
  );
}
