// The one contract every artifact store adapter (filesystem, S3, GCS) and the Backoff
// middleware implement, with the errors and id rules they share.
import type { Readable } from 'node:stream';

/** An inclusive byte range, like HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  /** First byte, 0-based. */
  start: number;
  /** Last byte, inclusive. An end past the last byte is clamped to it (as HTTP does). */
  end: number;
}

/** What a store knows about stored bytes without reading them. */
export interface ArtifactStat {
  /** Size in bytes. */
  size: number;
  /**
   * The backend's entity tag, without the surrounding double quotes (HTTP layers add them).
   * Undefined where the backend has none (the filesystem).
   */
  etag?: string;
  /**
   * When the bytes were last written: the file's mtime, S3's LastModified (whole seconds), GCS's
   * `updated`. `check` reads it to tell an upload still in flight (bytes written, row not yet)
   * from an orphan.
   */
  modifiedAt: Date;
}

/** One HTTP header a client sends with each PUT of a staged upload. */
export interface UploadHeader {
  name: string;
  value: string;
}

/** One part of a multipart staged upload: PUT exactly `size` bytes to `url`, keep the ETag. */
export interface UploadPartTarget {
  /** 1-based, as S3 numbers parts. */
  partNumber: number;
  url: string;
  size: number;
}

/** What a client of a staged upload is told to send, and what the store needs to finish it. */
export interface StagedUploadTarget {
  /**
   * The backend's handle of the upload in progress (S3: the multipart upload id; GCS: the
   * resumable session URI), carried in the signed ticket so any instance can finish it.
   */
  uploadId?: string;
  /** Single-request upload: PUT every byte here. Undefined for multipart uploads, and for the
   *  filesystem store, whose bytes go to the server's own `PUT /uploads/{token}`. */
  url?: string;
  /** Multipart upload: PUT each part to its URL. Empty for a single-request upload. */
  parts: UploadPartTarget[];
  /** Send these with every PUT (they are part of the signature). */
  headers: UploadHeader[];
}

/** What the client declares of the file of a staged upload. */
export interface StagedUploadRequest {
  size: number;
  /** Lowercase hex; when given, the backend checks it where it can. */
  sha256?: string;
  contentType: string;
  /** How long the presigned URLs stay valid. */
  expiresInSeconds: number;
  /** Part size for multipart uploads; files of at most one part get a single request. */
  partSize: number;
}

/** A part the client sent, as S3's CompleteMultipartUpload takes it. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** A staged upload begun and neither completed nor aborted, for `check`. */
export interface IncompleteStagedUpload {
  artifactId: string;
  uploadId?: string;
  startedAt: Date;
}

/**
 * Staged (direct-to-bucket) uploads: the client sends the bytes itself, with URLs the store
 * signs, and the server only starts and finishes the upload. The bytes are not readable under
 * the artifact id (or not complete) until {@link completeUpload}, and no metadata names them
 * before the server has checked them.
 */
export interface StagedUploads {
  /**
   * Starts an upload of `request.size` bytes to the artifact id: presigned URLs for a bucket,
   * nothing but a staging place for the filesystem store (see {@link receive}).
   */
  createUpload(artifactId: string, request: StagedUploadRequest): Promise<StagedUploadTarget>;

  /**
   * Makes what the client sent readable under the id (S3: completes the multipart upload with
   * the client's part ETags; filesystem: moves the staged file into place). Does not check
   * size or hash: the caller does, with `stat` and {@link storedSha256}.
   *
   * @throws ArtifactNotFoundError when no bytes arrived, or the upload was aborted or expired.
   * @throws StagedPartsError when the parts do not match what was sent (a bad ETag or number).
   */
  completeUpload(
    artifactId: string,
    uploadId: string | undefined,
    parts: readonly CompletedPart[] | undefined,
  ): Promise<void>;

  /**
   * Removes whatever the upload sent: aborts the multipart upload or the resumable session,
   * deletes a staged file or object. Idempotent.
   */
  abortUpload(artifactId: string, uploadId: string | undefined): Promise<void>;

  /**
   * The sha256 (hex) of the stored bytes when the backend itself verified it (S3 checksums);
   * undefined when it cannot say, and the caller hashes the bytes.
   */
  storedSha256?(artifactId: string): Promise<string | undefined>;

  /**
   * Only for stores without upload URLs of their own (the filesystem store, whose clients PUT
   * to the server's `PUT /uploads/{token}`): takes the file at `spooledPath` (a spool file in
   * {@link ArtifactStore.spoolDirectory}, which it moves) as the bytes sent so far, replacing
   * earlier ones. They stay invisible to readers and listings until {@link completeUpload}.
   */
  receive?(artifactId: string, spooledPath: string): Promise<void>;

  /** Uploads begun and never completed or aborted (multipart uploads, staged files). */
  listIncomplete(): AsyncIterable<IncompleteStagedUpload>;
}

/** What a presigned download URL makes the backend answer with. */
export interface PresignedDownloadOptions {
  /** The method the URL is signed for: signatures cover it, so a GET URL answers no HEAD. */
  method: 'GET' | 'HEAD';
  contentType: string;
  contentDisposition: string;
  expiresInSeconds: number;
}

/**
 * Where the bytes of Optuna artifacts live. Every adapter keeps them where the matching
 * Optuna store does (`<base>/<artifact_id>`, S3 key `<artifact_id>`, GCS blob `<artifact_id>`)
 * so artifacts flow both ways between Optuna and this server.
 *
 * Every method that takes an artifact id rejects with {@link InvalidArtifactIdError} before
 * any I/O when the id is not one Optuna produces (see {@link assertValidArtifactId}).
 */
export interface ArtifactStore {
  /**
   * Opens the artifact's bytes, or the given range of them, as a stream.
   *
   * Resolves once the backend has answered, so a missing artifact rejects here with
   * {@link ArtifactNotFoundError} rather than as a stream error. Consume the stream promptly
   * (put it in a `pipeline`): errors after this point arrive on the stream.
   *
   * @throws ArtifactNotFoundError when nothing is stored under the id.
   * @throws ByteRangeNotSatisfiableError when `range.start` is at or past the end.
   * @throws RangeError when the range itself is malformed (negative, start > end, fractional).
   */
  read(artifactId: string, range?: ByteRange): Promise<Readable>;

  /**
   * Stores the bytes of the file at `sourcePath` under the id, replacing any previous bytes.
   *
   * The source is a path (a spool file), not a stream, so that a retry can read it again
   * from the start. The source is left in place whatever happens: the caller removes it
   * after a successful write. Readers never see a partially written artifact.
   */
  write(artifactId: string, sourcePath: string): Promise<void>;

  /** Deletes the artifact's bytes. Idempotent: removing what is not there resolves. */
  remove(artifactId: string): Promise<void>;

  /**
   * Size (and entity tag where the backend has one) of the stored bytes.
   *
   * @throws ArtifactNotFoundError when nothing is stored under the id.
   */
  stat(artifactId: string): Promise<ArtifactStat>;

  /**
   * Every stored artifact id, for the `check` (fsck) command. Temporary and spool files, and
   * anything whose name is not a valid artifact id, are left out. Order is unspecified.
   */
  list(): AsyncIterable<string>;

  /**
   * For `/readyz`, start-up and `check`: resolves when the backend answers, rejects with a
   * one-line message otherwise. A probe only: it creates and changes nothing.
   */
  checkReachable(): Promise<void>;

  /**
   * For stores that keep the bytes on this machine (the filesystem store): creates the
   * store's folder when it is missing, as Optuna's examples do. Called when a server starts,
   * before `checkReachable()`; never by `check` or `/readyz`, which create nothing.
   */
  createMissingFolder?(): Promise<void>;

  /**
   * A directory where the upload pipeline puts spool files before `write()`. For the
   * filesystem store it lies inside the base folder (same filesystem, so the write can be a
   * link and a rename); for S3 and GCS under `os.tmpdir()`. Nothing creates it before an
   * upload needs it: whoever writes a spool file there creates it first.
   */
  readonly spoolDirectory: string;

  /**
   * Called when a server starts (never by `check`): removes temporary and spool files a
   * crashed process left behind. Only files older than the store's leftover age are removed,
   * because another live process may share the folder and be in the middle of an upload.
   */
  removeLeftoverTemporaryFiles(): Promise<void>;

  /** Where the bytes go, for the start-up log line: `file:///abs/path`, `s3://bucket/prefix`. */
  describe(): string;

  /**
   * The path of the local file that holds the artifact's bytes, for stores that keep them on
   * this machine (the filesystem store); undefined for the others. It lets the HTTP layer send
   * the file through a few reused buffers rather than a stream that allocates one per chunk
   * (which costs about three times the CPU on large downloads, measured in `npm run bench`).
   * The file may be gone by the time it is opened: treat ENOENT as not found.
   */
  localFilePath?(artifactId: string): string | undefined;

  /** Staged uploads (createArtifactUpload); every adapter of this server has them. */
  readonly stagedUploads?: StagedUploads;

  /**
   * A short-lived URL of the bucket that answers the method (GET with Range, or HEAD) with the
   * bytes and the given headers, for `--download-redirect`. Resolves undefined for a method
   * the backend cannot sign (GCS signs no HEAD): the server answers that request itself.
   * Absent for stores without URLs of their own (the filesystem).
   */
  presignedDownloadUrl?(artifactId: string, options: PresignedDownloadOptions): Promise<string | undefined>;
}

/** The parts named at completion are not the ones the backend received. Never retried. */
export class StagedPartsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StagedPartsError';
  }
}

/** Nothing is stored under the artifact id. Never retried. */
export class ArtifactNotFoundError extends Error {
  readonly artifactId: string;

  constructor(artifactId: string, options?: { cause?: unknown }) {
    super(`artifact ${artifactId} not found in the artifact store`, options);
    this.name = 'ArtifactNotFoundError';
    this.artifactId = artifactId;
  }
}

/** The id is not one Optuna produces; rejected before any I/O. Never retried. */
export class InvalidArtifactIdError extends Error {
  readonly artifactId: string;

  constructor(artifactId: string) {
    super(`invalid artifact id ${JSON.stringify(artifactId)}: expected a lowercase uuid4 string`);
    this.name = 'InvalidArtifactIdError';
    this.artifactId = artifactId;
  }
}

/** The range starts at or past the end of the stored bytes (HTTP 416). Never retried. */
export class ByteRangeNotSatisfiableError extends Error {
  readonly artifactId: string;
  readonly range: ByteRange;

  constructor(artifactId: string, range: ByteRange, options?: { cause?: unknown }) {
    super(`byte range ${range.start}-${range.end} is outside artifact ${artifactId}`, options);
    this.name = 'ByteRangeNotSatisfiableError';
    this.artifactId = artifactId;
    this.range = range;
  }
}

/**
 * The modification time a backend reported (a Date, or an RFC 3339 string), or now when it
 * reported none or nonsense: bytes of unknown age count as just written, so `check` leaves them
 * alone rather than delete what an upload may still need.
 */
export function modifiedAtOrNow(reported: Date | string | undefined): Date {
  const modifiedAt = reported === undefined ? undefined : new Date(reported);
  return modifiedAt !== undefined && !Number.isNaN(modifiedAt.getTime()) ? modifiedAt : new Date();
}

export function isArtifactNotFound(error: unknown): error is ArtifactNotFoundError {
  return error instanceof ArtifactNotFoundError;
}

// Optuna makes ids with str(uuid.uuid4()): lowercase hex 8-4-4-4-12. The version nibble is
// not checked so ids written by other tools in the same shape stay readable; what matters is
// that nothing matching this can be a path (no separators, dots, NUL, or upper case that
// could collide on case-insensitive filesystems).
const artifactIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isValidArtifactId(id: string): boolean {
  return artifactIdPattern.test(id);
}

/** Throws {@link InvalidArtifactIdError} unless `id` has the shape of an Optuna artifact id. */
export function assertValidArtifactId(id: string): void {
  if (typeof id !== 'string' || !isValidArtifactId(id)) throw new InvalidArtifactIdError(String(id));
}

/** Throws RangeError unless `range` has whole, non-negative bounds with start ≤ end. */
export function assertValidByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}: need whole numbers with 0 <= start <= end`);
  }
}
