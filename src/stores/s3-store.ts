// Artifact bytes in an S3 (or S3-compatible) bucket, in Optuna's Boto3ArtifactStore layout:
// object key `<artifact_id>` at the bucket root, or under an optional key prefix.
import { createReadStream } from 'node:fs';
import { stat as statFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  ArtifactNotFoundError,
  assertValidByteRange,
  ByteRangeNotSatisfiableError,
  modifiedAtOrNow,
  type ArtifactStat,
  type ArtifactStore,
  type ByteRange,
  type PresignedDownloadOptions,
} from './artifact-store.js';
import { minimumPartSize, S3StagedUploads } from './s3-staged-uploads.js';
import { exactByteRange } from './exact-byte-range.js';
import { ObjectKeyLayout } from './object-key-layout.js';
import { cleanSpoolDirectory, defaultLeftoverAgeMs, defaultRemoteStoreSpoolDirectory } from './stale-files.js';
import { describeError } from '../error-text.js';
import { httpStatusOf } from './http-status.js';
import { logger as processLogger, type Logger } from '../logger.js';

const MiB = 1024 * 1024;

export interface S3ArtifactStoreOptions {
  /** Key prefix (no leading or trailing slash); objects become `<prefix>/<artifact_id>`. @default none — Optuna's layout */
  prefix?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** S3-compatible endpoint (MinIO, s3rver, ...). @default the SDK's: AWS_ENDPOINT_URL_S3 or AWS itself */
  endpoint?: string;
  /** Bucket in the path instead of the host name, which most S3-compatible servers need. @default false */
  forcePathStyle?: boolean;
  /** @default the SDK's default credential chain (environment, profile, SSO, instance role, ...) */
  credentials?: S3ClientConfig['credentials'];
  /**
   * Files up to this size are sent in a single PutObject streamed from the file; larger
   * ones as a multipart upload.
   * @default 16 MiB — a single request is the cheapest write and the one that survives
   * faults best (one request to retry), while bigger files gain from parts in parallel
   */
  multipartThreshold?: number;
  /**
   * Multipart part size; at least 5 MiB (S3's minimum), and raised automatically so no
   * upload needs more than S3's 10,000 parts.
   * @default 8 MiB
   */
  partSize?: number;
  /**
   * Parts uploaded at the same time. Memory use is about (queueSize + 1) × partSize.
   * @default 2 — keeps a 1 GiB upload well under 128 MiB of memory growth
   */
  queueSize?: number;
  /** Milliseconds to wait for a connection. @default 10 000 */
  connectionTimeoutMs?: number;
  /**
   * Milliseconds a socket may stay idle before the request fails (and Backoff retries).
   * @default 120 000 — long enough for a reader that pauses a download
   */
  socketTimeoutMs?: number;
  /** @default `<os tmpdir>/optuna-artifacts-spool` */
  spoolDirectory?: string;
  /** See {@link defaultLeftoverAgeMs}. @default 24 hours */
  leftoverAgeMs?: number;
  /** Receives the SDK's warnings and failed clean-ups of multipart uploads. @default the server's logger */
  logger?: Logger;
}

/**
 * An S3 client set up for Backoff and for S3-compatible servers:
 * - `maxAttempts: 1`: Backoff is the only retry layer, so retries do not multiply.
 * - checksums only when an operation requires them: with the SDK's default
 *   (`WHEN_SUPPORTED`) a streamed PutObject is sent with aws-chunked framing that
 *   S3-compatible servers such as s3rver store inside the object, corrupting it silently.
 */
export function createS3Client(options: S3ArtifactStoreOptions = {}): S3Client {
  return new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 120_000,
    },
    logger: sdkLoggerOnto(options.logger ?? processLogger),
  });
}

/**
 * Routes the SDK's warnings to our logger. Not forwarded: its `error` lines (one per
 * failed command, with the whole input; the caller receives that error anyway), and its
 * note that "a non-retryable streaming request" failed, which with `maxAttempts: 1` every
 * failed upload would print (to the console by default) while Backoff logs the retry.
 */
function sdkLoggerOnto(logger: Logger): NonNullable<S3ClientConfig['logger']> {
  const ignore = (): void => {};
  return {
    trace: ignore,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn(...content: unknown[]) {
      const message = content.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 2 }))).join(' ');
      if (!message.includes('non-retryable streaming request')) logger.warn(`AWS SDK warning: ${message}`);
    },
  };
}

export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  readonly layout: ObjectKeyLayout;
  readonly client: S3Client;
  readonly spoolDirectory: string;
  readonly stagedUploads: S3StagedUploads;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly leftoverAgeMs: number;
  private readonly logger: Logger;

  constructor(bucket: string, options: S3ArtifactStoreOptions = {}) {
    this.bucket = bucket;
    this.layout = new ObjectKeyLayout(options.prefix);
    this.client = createS3Client(options);
    this.spoolDirectory = options.spoolDirectory ?? defaultRemoteStoreSpoolDirectory;
    this.multipartThreshold = options.multipartThreshold ?? 16 * MiB;
    this.partSize = Math.max(options.partSize ?? 8 * MiB, minimumPartSize);
    this.queueSize = options.queueSize ?? 2;
    this.leftoverAgeMs = options.leftoverAgeMs ?? defaultLeftoverAgeMs;
    this.logger = options.logger ?? processLogger;
    this.stagedUploads = new S3StagedUploads(this.client, bucket, this.layout);
  }

  async read(artifactId: string, range?: ByteRange): Promise<Readable> {
    const Key = this.layout.keyOf(artifactId);
    if (range) assertValidByteRange(range);
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!(response.Body instanceof Readable)) throw new Error('S3 GetObject returned no Node.js stream');
      if (!range) return response.Body;
      return exactByteRange(response.Body, {
        artifactId,
        range,
        contentRange: response.ContentRange,
        contentLength: response.ContentLength,
      });
    } catch (error) {
      if (range && httpStatusOf(error) === 416)
        throw new ByteRangeNotSatisfiableError(artifactId, range, { cause: error });
      throw this.notFoundOr(error, artifactId);
    }
  }

  async write(artifactId: string, sourcePath: string): Promise<void> {
    const Key = this.layout.keyOf(artifactId);
    const { size } = await statFile(sourcePath);
    if (size <= this.multipartThreshold) await this.putObject(Key, sourcePath, size);
    else await this.multipartUpload(Key, sourcePath, size);
  }

  private async putObject(Key: string, sourcePath: string, size: number): Promise<void> {
    const Body = createReadStream(sourcePath, { highWaterMark: MiB });
    try {
      // ContentLength lets the SDK stream the file as a plain body instead of buffering it.
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength: size }));
    } finally {
      Body.destroy();
    }
  }

  /**
   * lib-storage multipart upload with bounded memory. `leavePartsOnError` keeps lib-storage
   * from aborting the upload itself: some S3-compatible servers (s3rver) answer
   * AbortMultipartUpload with 405, which lib-storage would then report instead of the
   * original failure, hiding a transient 503 behind a permanent-looking error. This method
   * aborts instead, best-effort, and always rethrows the first real failure, so Backoff
   * retries the whole write from the start of the file.
   */
  private async multipartUpload(Key: string, sourcePath: string, size: number): Promise<void> {
    const Body = createReadStream(sourcePath, { highWaterMark: MiB });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body, ContentLength: size },
      partSize: Math.max(this.partSize, Math.ceil(size / 10_000)),
      queueSize: this.queueSize,
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (error) {
      if (upload.uploadId !== undefined) await this.abortMultipartUpload(Key, upload.uploadId);
      throw error;
    } finally {
      Body.destroy();
    }
  }

  private async abortMultipartUpload(Key: string, UploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }));
    } catch (error) {
      // Parts left behind cost storage until a bucket lifecycle rule
      // (AbortIncompleteMultipartUpload) removes them; the write's own error matters more.
      this.logger.warn('could not abort a failed multipart upload', {
        bucket: this.bucket,
        key: Key,
        uploadId: UploadId,
        error: describeError(error),
      });
    }
  }

  // DeleteObject succeeds whether or not the key exists, so remove is idempotent as it is.
  async remove(artifactId: string): Promise<void> {
    const Key = this.layout.keyOf(artifactId);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }

  async stat(artifactId: string): Promise<ArtifactStat> {
    const Key = this.layout.keyOf(artifactId);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      const etag = head.ETag?.replace(/^(W\/)?"|"$/g, '');
      const stat = { size: head.ContentLength ?? 0, modifiedAt: modifiedAtOrNow(head.LastModified) };
      return etag ? { ...stat, etag } : stat;
    } catch (error) {
      throw this.notFoundOr(error, artifactId);
    }
  }

  async *list(): AsyncIterable<string> {
    const Prefix = this.layout.listingPrefix;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          ...(Prefix === '' ? {} : { Prefix }),
          ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
        }),
      );
      for (const object of page.Contents ?? []) {
        const id = this.layout.artifactIdOf(object.Key ?? '');
        if (id !== undefined) yield id;
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async checkReachable(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw new Error(`cannot reach ${this.describe()}: ${describeError(error)}`, { cause: error });
    }
  }

  // Parts of multipart uploads a crash left behind are S3's to expire: a bucket lifecycle
  // rule (AbortIncompleteMultipartUpload) does that without listing every upload here.
  removeLeftoverTemporaryFiles(): Promise<void> {
    return cleanSpoolDirectory(this.spoolDirectory, this.leftoverAgeMs);
  }

  describe(): string {
    return this.layout.urlOf('s3', this.bucket);
  }

  // S3 answers the presigned GET with these headers (response-content-type, ...), Range included.
  presignedDownloadUrl(artifactId: string, options: PresignedDownloadOptions): Promise<string> {
    const input = {
      Bucket: this.bucket,
      Key: this.layout.keyOf(artifactId),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    };
    const command = options.method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  // NoSuchKey from GET; HEAD has no body, so a missing object is a bare 404 "NotFound".
  // NoSuchBucket is a configuration error, not a missing artifact.
  private notFoundOr(error: unknown, artifactId: string): unknown {
    const name = (error as { name?: unknown } | undefined)?.name;
    if (name === 'NoSuchKey' || (name !== 'NoSuchBucket' && httpStatusOf(error) === 404)) {
      return new ArtifactNotFoundError(artifactId, { cause: error });
    }
    return error;
  }
}
