// Artifact bytes in a Google Cloud Storage bucket, in Optuna's GCSArtifactStore layout:
// blob `<artifact_id>` at the bucket root, or under an optional name prefix.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IdempotencyStrategy, Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
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
import { GCSStagedUploads } from './gcs-staged-uploads.js';
import { ObjectKeyLayout } from './object-key-layout.js';
import { cleanSpoolDirectory, defaultLeftoverAgeMs, defaultRemoteStoreSpoolDirectory } from './stale-files.js';
import { describeError } from '../error-text.js';
import { httpStatusOf } from './http-status.js';

export interface GCSArtifactStoreOptions {
  /** Name prefix (no leading or trailing slash); blobs become `<prefix>/<artifact_id>`. @default none — Optuna's layout */
  prefix?: string;
  /** API endpoint of a GCS-compatible server. @default storage.googleapis.com */
  apiEndpoint?: string;
  /** @default detected by the client from the credentials or environment */
  projectId?: string;
  /** Path of a service-account key file. @default Application Default Credentials */
  keyFilename?: string;
  /** Service-account credentials given inline (tests, or secrets from elsewhere). */
  credentials?: StorageOptions['credentials'];
  /** @default `<os tmpdir>/optuna-artifacts-spool` */
  spoolDirectory?: string;
  /** See {@link defaultLeftoverAgeMs}. @default 24 hours */
  leftoverAgeMs?: number;
}

/**
 * A GCS client with its own retries switched off (Backoff is the only retry layer, so
 * retries do not multiply). Uploads are resumable and verified by CRC32C.
 */
export function createGcsClient(options: GCSArtifactStoreOptions = {}): Storage {
  return new Storage({
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.keyFilename === undefined ? {} : { keyFilename: options.keyFilename }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    retryOptions: { autoRetry: false, maxRetries: 0, idempotencyStrategy: IdempotencyStrategy.RetryNever },
  });
}

export class GCSArtifactStore implements ArtifactStore {
  readonly storage: Storage;
  readonly layout: ObjectKeyLayout;
  readonly spoolDirectory: string;
  readonly stagedUploads: GCSStagedUploads;
  private readonly bucket: Bucket;
  private readonly leftoverAgeMs: number;

  constructor(bucketName: string, options: GCSArtifactStoreOptions = {}) {
    this.storage = createGcsClient(options);
    this.bucket = this.storage.bucket(bucketName);
    this.layout = new ObjectKeyLayout(options.prefix);
    this.spoolDirectory = options.spoolDirectory ?? defaultRemoteStoreSpoolDirectory;
    this.leftoverAgeMs = options.leftoverAgeMs ?? defaultLeftoverAgeMs;
    this.stagedUploads = new GCSStagedUploads(this.bucket, this.layout);
  }

  /**
   * The client only sends the request once the stream is read, and reports an HTTP error
   * as a stream error; this waits for the response so a missing artifact rejects here.
   * Whole reads are CRC32C-verified by the client; ranged reads cannot be.
   */
  async read(artifactId: string, range?: ByteRange): Promise<Readable> {
    const name = this.layout.keyOf(artifactId);
    if (range) assertValidByteRange(range);
    const stream = this.bucket.file(name).createReadStream(range ? { start: range.start, end: range.end } : {});
    try {
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('response', (response: { statusCode?: number }) => {
          // Error statuses are followed by an 'error' event carrying the parsed API error.
          if ((response.statusCode ?? 500) < 400) {
            stream.off('error', reject);
            resolve();
          }
        });
        stream.read(0); // starts the request without consuming any bytes
      });
      return stream;
    } catch (error) {
      stream.destroy();
      if (range && httpStatusOf(error) === 416)
        throw new ByteRangeNotSatisfiableError(artifactId, range, { cause: error });
      throw notFoundOr(error, artifactId);
    }
  }

  // A resumable upload streams the file in one request after the session is created, so
  // memory stays bounded; the client checks the server's CRC32C against what it sent.
  async write(artifactId: string, sourcePath: string): Promise<void> {
    const name = this.layout.keyOf(artifactId);
    await pipeline(
      createReadStream(sourcePath, { highWaterMark: 1024 * 1024 }),
      this.bucket.file(name).createWriteStream({
        resumable: true,
        validation: 'crc32c',
        contentType: 'application/octet-stream',
      }),
    );
  }

  async remove(artifactId: string): Promise<void> {
    const name = this.layout.keyOf(artifactId);
    await this.bucket.file(name).delete({ ignoreNotFound: true });
  }

  async stat(artifactId: string): Promise<ArtifactStat> {
    const name = this.layout.keyOf(artifactId);
    try {
      const [metadata] = await this.bucket.file(name).getMetadata();
      const stat = { size: Number(metadata.size ?? 0), modifiedAt: modifiedAtOrNow(metadata.updated) };
      return metadata.etag ? { ...stat, etag: metadata.etag } : stat;
    } catch (error) {
      throw notFoundOr(error, artifactId);
    }
  }

  async *list(): AsyncIterable<string> {
    const prefix = this.layout.listingPrefix;
    let pageToken: string | undefined;
    do {
      const [files, nextQuery] = await this.bucket.getFiles({
        autoPaginate: false,
        ...(prefix === '' ? {} : { prefix }),
        ...(pageToken === undefined ? {} : { pageToken }),
      });
      for (const file of files) {
        const id = this.layout.artifactIdOf(file.name);
        if (id !== undefined) yield id;
      }
      pageToken = (nextQuery as { pageToken?: string } | null)?.pageToken;
    } while (pageToken !== undefined);
  }

  async checkReachable(): Promise<void> {
    try {
      await this.bucket.getMetadata();
    } catch (error) {
      throw new Error(`cannot reach ${this.describe()}: ${describeError(error)}`, { cause: error });
    }
  }

  removeLeftoverTemporaryFiles(): Promise<void> {
    return cleanSpoolDirectory(this.spoolDirectory, this.leftoverAgeMs);
  }

  describe(): string {
    return this.layout.urlOf('gs', this.bucket.name);
  }

  // GCS answers the signed GET with these headers (response-content-type, ...), Range included.
  // Its V4 signer has no HEAD (a GET URL refuses one): the server answers HEAD itself.
  async presignedDownloadUrl(artifactId: string, options: PresignedDownloadOptions): Promise<string | undefined> {
    if (options.method !== 'GET') return undefined;
    const [url] = await this.bucket.file(this.layout.keyOf(artifactId)).getSignedUrl({
      version: 'v4',
      action: 'read',
      expires: Date.now() + options.expiresInSeconds * 1000,
      responseType: options.contentType,
      responseDisposition: options.contentDisposition,
    });
    return url;
  }
}

function notFoundOr(error: unknown, artifactId: string): unknown {
  return httpStatusOf(error) === 404 ? new ArtifactNotFoundError(artifactId, { cause: error }) : error;
}
