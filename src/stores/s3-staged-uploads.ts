// Staged uploads on S3: the client PUTs the bytes to presigned URLs
// (one PutObject, or one UploadPart per part of a multipart upload), the server only starts,
// completes or aborts the upload.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  ArtifactNotFoundError,
  StagedPartsError,
  type CompletedPart,
  type IncompleteStagedUpload,
  type StagedUploadRequest,
  type StagedUploads,
  type StagedUploadTarget,
  type UploadPartTarget,
} from './artifact-store.js';
import type { ObjectKeyLayout } from './object-key-layout.js';
import { httpStatusOf } from './http-status.js';
import { logger } from '../logger.js';

const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB (except the last) to 5 GiB, at most 10,000 of them. */
export const minimumPartSize = 5 * MiB;
const maximumPartSize = 5 * 1024 * MiB;
const maximumParts = 10_000;
/** SigV4 presigned URLs live at most a week. */
const maximumExpirySeconds = 7 * 24 * 3600;

/**
 * The part size for a file: the configured one, raised (to whole MiB) when the file would
 * need more than 10,000 parts, within S3's 5 MiB … 5 GiB.
 * @throws RangeError for a file beyond 10,000 parts of 5 GiB (S3's 5 TiB object limit, about)
 */
export function s3PartSizeFor(size: number, configuredPartSize: number): number {
  const needed = Math.ceil(Math.ceil(size / maximumParts) / MiB) * MiB;
  const partSize = Math.min(Math.max(configuredPartSize, needed, minimumPartSize), maximumPartSize);
  if (Math.ceil(size / partSize) > maximumParts)
    throw new RangeError(`${size} bytes is more than S3 takes in one object`);
  return partSize;
}

/** The parts of a file of `size` bytes cut in `partSize` pieces (the last one shorter). */
function partSizes(size: number, partSize: number): number[] {
  const count = Math.ceil(size / partSize);
  return Array.from({ length: count }, (_, index) => Math.min(partSize, size - index * partSize));
}

export class S3StagedUploads implements StagedUploads {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly layout: ObjectKeyLayout,
  ) {}

  async createUpload(artifactId: string, request: StagedUploadRequest): Promise<StagedUploadTarget> {
    const Key = this.layout.keyOf(artifactId);
    const expiresIn = Math.max(1, Math.min(Math.ceil(request.expiresInSeconds), maximumExpirySeconds));
    const partSize = s3PartSizeFor(request.size, request.partSize);
    if (request.size <= partSize) {
      // The checksum header is signed and must be sent as it is: S3 then refuses other bytes.
      const checksum = request.sha256 === undefined ? undefined : Buffer.from(request.sha256, 'hex').toString('base64');
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key,
        ContentType: request.contentType,
        ...(checksum === undefined ? {} : { ChecksumSHA256: checksum }),
      });
      const url = await getSignedUrl(this.client, command, {
        expiresIn,
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      });
      const headers = [{ name: 'Content-Type', value: request.contentType }];
      if (checksum !== undefined) headers.push({ name: 'x-amz-checksum-sha256', value: checksum });
      return { url, parts: [], headers };
    }
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ContentType: request.contentType }),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error('S3 CreateMultipartUpload returned no upload id');
    const parts: UploadPartTarget[] = [];
    for (const [index, size] of partSizes(request.size, partSize).entries()) {
      const command = new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: index + 1 });
      parts.push({ partNumber: index + 1, url: await getSignedUrl(this.client, command, { expiresIn }), size });
    }
    return { uploadId, parts, headers: [] };
  }

  async completeUpload(
    artifactId: string,
    uploadId: string | undefined,
    parts: readonly CompletedPart[] | undefined,
  ): Promise<void> {
    // A single PUT is complete when it arrived; the caller's stat finds out whether it did.
    if (uploadId === undefined) return;
    if (parts === undefined || parts.length === 0) {
      throw new StagedPartsError('a multipart upload is completed with the partNumber and ETag of every part');
    }
    const Key = this.layout.keyOf(artifactId);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [...parts]
              .sort((a, b) => a.partNumber - b.partNumber)
              .map((part) => ({ PartNumber: part.partNumber, ETag: quotedEtag(part.etag) })),
          },
        }),
      );
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'NoSuchUpload' || httpStatusOf(error) === 404)
        throw new ArtifactNotFoundError(artifactId, { cause: error });
      if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall') {
        throw new StagedPartsError(`S3 refused the parts: ${String((error as Error).message)}`, { cause: error });
      }
      throw error;
    }
  }

  async abortUpload(artifactId: string, uploadId: string | undefined): Promise<void> {
    const Key = this.layout.keyOf(artifactId);
    if (uploadId !== undefined) {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId }));
      } catch (error) {
        // Already aborted or completed: what is left, if anything, is the object below.
        if ((error as { name?: unknown }).name !== 'NoSuchUpload' && httpStatusOf(error) !== 404) throw error;
      }
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }

  /** S3 verified the checksum of a single PUT that carried one; a multipart object's is composite. */
  async storedSha256(artifactId: string): Promise<string | undefined> {
    const Key = this.layout.keyOf(artifactId);
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key, ChecksumMode: 'ENABLED' }));
    const checksum = head.ChecksumSHA256;
    if (checksum === undefined || checksum.includes('-')) return undefined;
    return Buffer.from(checksum, 'base64').toString('hex');
  }

  async *listIncomplete(): AsyncIterable<IncompleteStagedUpload> {
    const Prefix = this.layout.listingPrefix;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            ...(Prefix === '' ? {} : { Prefix }),
            ...(KeyMarker === undefined ? {} : { KeyMarker }),
            ...(UploadIdMarker === undefined ? {} : { UploadIdMarker }),
          }),
        );
      } catch (error) {
        // Some S3-compatible servers (s3rver, small gateways) cannot list multipart uploads: the
        // rest of a check still stands, and the operator is told what it could not see.
        if (httpStatusOf(error) !== 501) throw error;
        logger.warn('this S3 server cannot list multipart uploads: unfinished staged uploads are not reported', {
          bucket: this.bucket,
        });
        return;
      }
      for (const upload of page.Uploads ?? []) {
        const artifactId = this.layout.artifactIdOf(upload.Key ?? '');
        if (artifactId === undefined || upload.UploadId === undefined) continue;
        yield { artifactId, uploadId: upload.UploadId, startedAt: upload.Initiated ?? new Date(0) };
      }
      const more = page.IsTruncated === true;
      KeyMarker = more ? page.NextKeyMarker : undefined;
      UploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker !== undefined);
  }
}

/** S3 takes part ETags with their double quotes; clients may strip them. */
function quotedEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
}
