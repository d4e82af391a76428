// GraphQL multipart requests (the spec's operations / map / file parts) parsed in front of
// Yoga by graphql-upload-minimal, so files reach resolvers as live streams instead of buffers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { processRequest, Upload, type FileUpload, type GraphQLOperation } from 'graphql-upload-minimal';
import type { UploadLimits } from '../config/config.js';
import { drain } from '../artifacts/spool.js';

export type MultipartOperations = GraphQLOperation | GraphQLOperation[];

/** A multipart request the spec does not allow, or one over a limit: answered without GraphQL. */
export class MultipartRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'MultipartRequestError';
  }
}

/** Parses up to the first file part and returns the operations with Upload placeholders. */
export async function parseMultipartOperations(request: IncomingMessage, response: ServerResponse, limits: UploadLimits): Promise<MultipartOperations> {
  try {
    return await processRequest(request, response, {
      // One byte above ours: busboy flags a file that reaches its limit exactly as truncated,
      // while a file of exactly --max-file-size bytes is allowed. The spool enforces ours.
      maxFileSize: limits.maxFileSize + 1,
      maxFiles: limits.maxFiles,
      maxFieldSize: limits.maxFieldSize,
    });
  } catch (error) {
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
    throw new MultipartRequestError((error as Error).message, status);
  }
}

/**
 * Drains every file of the request that no resolver consumed (an operation that failed before
 * reading its file, a file the operation does not use), so the client is not left hanging.
 */
export function drainUnconsumedUploads(operations: MultipartOperations): void {
  for (const upload of uploadsIn(operations)) {
    upload.promise.then(
      (file: FileUpload) => {
        try {
          drain(file.createReadStream());
        } catch {
          // Already consumed by a resolver, or failed: nothing is left to drain.
        }
      },
      () => {},
    );
  }
}

function* uploadsIn(value: unknown, seen = new Set<unknown>()): Generator<Upload> {
  if (value instanceof Upload) {
    yield value;
    return;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  for (const child of Object.values(value)) yield* uploadsIn(child, seen);
}
