// Starts a real S3 server (s3rver) on 127.0.0.1 for tests: a random port, a fresh temp
// directory, one bucket.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multipartUploadsAsS3Does } from './s3rver-multipart.js';

// The AWS SDK warns on every client about Node 20 being near its end of support; tests
// create many clients.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// s3rver ships no type declarations; this is the part of its API the tests use.
interface S3rverInstance {
  /** Koa's middleware stack: s3rver's logger, XML encoder and mount interop, then its router. */
  middleware: unknown[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** s3rver accepts any signature; these are what its documentation uses. */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface RunningS3rver {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the objects. */
  directory: string;
  close(): Promise<void>;
}

export interface S3rverOptions {
  bucket?: string;
  /**
   * Add what s3rver lacks of S3's multipart uploads (abort, listing, NoSuchUpload, the part-ETag
   * check; see s3rver-multipart.ts). Off, s3rver answers an abort with 405, as some tests need.
   * @default false
   */
  multipartAsS3?: boolean;
}

export async function startS3rver(options: S3rverOptions = {}): Promise<RunningS3rver> {
  const bucket = options.bucket ?? 'optuna-artifacts';
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  // Before the router, after the XML encoder (so plain-object bodies become S3's XML).
  if (options.multipartAsS3 === true) server.middleware.splice(3, 0, multipartUploadsAsS3Does(directory));
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
