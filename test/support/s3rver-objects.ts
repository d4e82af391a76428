// Reads s3rver directly (not through the fault proxy), so a test sees what is really stored:
// the object keys of the bucket and the digest of an object's bytes.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createS3Client } from '../../src/stores/s3-store.js';
import { s3rverCredentials, type RunningS3rver } from './s3rver.js';
import { silentLogger } from './recording-logger.js';

export interface S3rverObjects {
  /** Every key in the bucket, sorted. */
  keys(): Promise<string[]>;
  /** sha256 (hex) of the object's bytes. */
  sha256(key: string): Promise<string>;
  exists(key: string): Promise<boolean>;
  /** Empties the bucket (between tests). */
  removeAll(): Promise<void>;
  close(): void;
}

export function s3rverObjects(s3: RunningS3rver): S3rverObjects {
  // The server's own client settings (checksums only when required), without its logger noise.
  const client: S3Client = createS3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3rverCredentials,
    logger: silentLogger,
  });
  return {
    async keys() {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: s3.bucket, ...(ContinuationToken ? { ContinuationToken } : {}) }),
        );
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
      return keys.sort();
    },
    async sha256(key) {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      const hash = createHash('sha256');
      for await (const chunk of Body as Readable) hash.update(chunk as Buffer);
      return hash.digest('hex');
    },
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    },
    async removeAll() {
      for (const Key of await this.keys()) await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key }));
    },
    close: () => client.destroy(),
  };
}
