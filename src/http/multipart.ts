// GraphQL multipart requests (the spec's operations / map / file parts) parsed in front of
// Yoga by graphql-upload-minimal; each file part is received into a spool file as it arrives
// (see ../artifacts/incoming-file.ts), and resolvers find it in the variables the map names.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { processRequest, Upload, type GraphQLOperation } from 'graphql-upload-minimal';
import type { UploadLimits } from '../config/config.js';
import { IncomingFile, type SpoolSettings } from '../artifacts/incoming-file.js';
import { drain } from '../artifacts/spool.js';
import type { ArtifactStore } from '../stores/artifact-store.js';

export type MultipartOperations = GraphQLOperation | GraphQLOperation[];

export interface MultipartRequest {
  /** The operations, with an IncomingFile wherever the map put a file part. */
  operations: MultipartOperations;
  /** Every file part the operations use, once each. */
  files: IncomingFile[];
}

/** A multipart request the spec does not allow, or one over a limit: answered without GraphQL. */
export class MultipartRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413,
  ) {
    super(message);
    this.name = 'MultipartRequestError';
  }
}

/**
 * Parses up to the `map` field and returns the operations, with each file part already on its
 * way into a spool file. Whatever the body holds, every failure of it, now or later, is a
 * rejection here or of the file concerned, never an uncaught error; and every file part is
 * read to its end, so the request is always read to its end.
 */
export async function parseMultipartRequest(
  request: IncomingMessage,
  response: ServerResponse,
  limits: UploadLimits,
  spool: SpoolSettings,
): Promise<MultipartRequest> {
  const fileParts = new FilePartRouter();
  watchParser(request, fileParts);
  let operations: MultipartOperations;
  try {
    operations = await processRequest(request, response, {
      // No file size limit here: the spool enforces --max-file-size and drains the rest of the
      // part. busboy's limit would end the file early, at times before the spool reads it, and
      // graphql-upload-minimal then refuses to hand out the stream.
      maxFileSize: Infinity,
      maxFiles: limits.maxFiles,
      maxFieldSize: limits.maxFieldSize,
    });
  } catch (error) {
    fileParts.routeTo(new Map());
    // Whatever the parser rejects with is about the request: its HttpErrors carry 413 for a
    // limit (and 499 or 500 for a disconnect or a body with no fields at all), busboy's own
    // errors (a malformed part header, an unexpected end) carry nothing.
    const status = (error as { status?: unknown }).status === 413 ? 413 : 400;
    throw new MultipartRequestError((error as Error).message, status);
  }
  const files = replaceUploads(operations, spool);
  fileParts.routeTo(files);
  return { operations, files: [...files.values()] };
}

/** Where and how the files of an upload to `store` are spooled. */
export function spoolSettingsFor(store: ArtifactStore, limits: UploadLimits): SpoolSettings {
  return {
    directory: store.spoolDirectory,
    maxBytes: limits.maxFileSize,
    // A store that keeps the bytes on this machine flushes them to disk when storing them.
    flushWhileWriting: store.localFilePath?.(randomUUID()) !== undefined,
  };
}

/** The busboy parser, as much of it as is used here. */
interface MultipartParser {
  readonly destroyed: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'file', listener: (fieldName: string, stream: Readable, info: { filename: string }) => void): unknown;
}

/**
 * graphql-upload-minimal creates its busboy parser and pipes the request into it, out of reach
 * but for that pipe: the parser is met there, before the first byte, to listen to it for its
 * whole life.
 *
 * - 'error': graphql-upload-minimal listens with `once`, but busboy emits more than one. A
 *   malformed part header (no colon, a control byte, over 16 KiB) is emitted as an 'error'
 *   while parsing; graphql-upload-minimal then destroys the parser, and busboy's destroy,
 *   finding the form unfinished, emits "Unexpected end of form" as a second 'error' — which,
 *   with no listener left, ended the process. The first error fails the request (and every
 *   file still to come) through graphql-upload-minimal; later ones have nothing left to fail.
 * - 'file': every file stream must be read to its end, or busboy waits for it forever and the
 *   request never finishes (and its missing files are never reported as missing); and none
 *   may be spooled that the parser announces after it failed.
 */
function watchParser(request: IncomingMessage, fileParts: FilePartRouter): void {
  const pipe = request.pipe;
  request.pipe = function pipeIntoParser<Destination extends NodeJS.WritableStream>(
    this: IncomingMessage,
    parser: Destination,
    options?: { end?: boolean },
  ) {
    const multipart = parser as unknown as MultipartParser;
    multipart.on('error', () => {});
    multipart.on('file', (fieldName, stream, info) => {
      // busboy goes on parsing the chunk at hand after it failed and was destroyed: the parts
      // it still announces then are cut off where the chunk ends, and would never end.
      if (multipart.destroyed) drain(stream);
      else fileParts.arrived(fieldName, stream, info.filename);
    });
    // Back to the prototype's pipe: one parser per request.
    delete (this as Partial<Pick<IncomingMessage, 'pipe'>>).pipe;
    return pipe.call(this, parser, options) as Destination;
  };
}

/**
 * Hands each file stream to the IncomingFile of its part, and drains every other one: parts
 * the map does not name, parts the operations do not use (the map put another part at the
 * same place), a part sent twice, parts after a failure.
 */
class FilePartRouter {
  private routes: Map<Upload, IncomingFile> | undefined;
  private waiting: Array<() => void> = [];

  arrived(fieldName: string, stream: Readable, filename: string): void {
    // graphql-upload-minimal, listening to the same event, tells which Upload the part is:
    // it sets `upload.file` as it resolves it. Looked at once all listeners have run, and
    // once the operations are known.
    queueMicrotask(() => {
      const route = () => this.route(fieldName, stream, filename);
      if (this.routes === undefined) this.waiting.push(route);
      else route();
    });
  }

  /** Starts routing, to the IncomingFile of each Upload the operations use. */
  routeTo(routes: Map<Upload, IncomingFile>): void {
    this.routes = routes;
    for (const route of this.waiting.splice(0)) route();
    for (const [upload, file] of routes) upload.promise.catch((error: unknown) => file.fail(error));
  }

  private route(fieldName: string, stream: Readable, filename: string): void {
    for (const [upload, file] of this.routes!) {
      if (upload.file?.fieldName === fieldName && file.arrive({ filename, stream })) return;
    }
    drain(stream);
  }
}

/**
 * Replaces each Upload placeholder in `operations` with an IncomingFile (one per Upload, even
 * where the map names a part twice) and returns them.
 */
function replaceUploads(operations: MultipartOperations, spool: SpoolSettings): Map<Upload, IncomingFile> {
  const files = new Map<Upload, IncomingFile>();
  // Iterative: the operations are JSON from the client and may nest deeper than the call stack.
  const containers: object[] = [operations];
  for (let container = containers.pop(); container !== undefined; container = containers.pop()) {
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (value instanceof Upload) {
        const file = files.get(value) ?? new IncomingFile(spool);
        files.set(value, file);
        record[key] = file;
      } else if (typeof value === 'object' && value !== null) {
        containers.push(value);
      }
    }
  }
  return files;
}
