// Turns the --artifact-store URL into a store wrapped in Backoff. The S3 and GCS adapters (and
// with them their SDKs, slow to load) are imported only when the URL names them.
import { isAbsolute, resolve } from 'node:path';
import type { BackoffConfig, GcsConfig, S3Config } from '../config/config.js';
import type { ArtifactStore } from './artifact-store.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { FileSystemArtifactStore } from './filesystem-store.js';

export interface StoreFromUrlOptions {
  s3: S3Config;
  gcs: GcsConfig;
  backoff: BackoffConfig;
  /** What relative `file://` paths are relative to. @default process.cwd() */
  cwd?: string;
  /** Logger, sleep and random for Backoff. @default Backoff's defaults */
  backoffOptions?: BackoffOptions;
}

const expectedForms = 'expected file://PATH, s3://BUCKET[/PREFIX] or gs://BUCKET[/PREFIX]';

/**
 * `file://./artifacts` and `file://artifacts` are relative to `cwd`, `file:///abs/dir`
 * absolute; `s3://bucket[/prefix]` and `gs://bucket[/prefix]` name a bucket and an optional
 * key prefix. Rejects with an Error of one clear line for anything else.
 */
export async function storeFromUrl(url: string, options: StoreFromUrlOptions): Promise<ArtifactStore> {
  return new Backoff(await adapterFromUrl(url, options), options.backoff, options.backoffOptions);
}

async function adapterFromUrl(url: string, options: StoreFromUrlOptions): Promise<ArtifactStore> {
  const match = /^([a-z0-9]+):\/\/(.*)$/i.exec(url.trim());
  if (!match) throw invalid(url, expectedForms);
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  if (/[?#]/.test(rest)) throw invalid(url, 'query strings and fragments are not supported');
  switch (scheme) {
    case 'file':
      return new FileSystemArtifactStore(fileUrlPath(url, rest, options.cwd ?? process.cwd()));
    case 's3': {
      const { bucket, prefix } = bucketAndPrefix(url, rest, s3BucketPattern);
      const { endpoint, forcePathStyle, region } = options.s3;
      const { S3ArtifactStore } = await import('./s3-store.js');
      return new S3ArtifactStore(bucket, { prefix, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) });
    }
    case 'gs': {
      const { bucket, prefix } = bucketAndPrefix(url, rest, gcsBucketPattern);
      const { endpoint, projectId, keyFilename } = options.gcs;
      const { GCSArtifactStore } = await import('./gcs-store.js');
      return new GCSArtifactStore(bucket, {
        prefix,
        ...(endpoint ? { apiEndpoint: endpoint } : {}),
        ...(projectId ? { projectId } : {}),
        ...(keyFilename ? { keyFilename } : {}),
      });
    }
    default:
      throw invalid(url, `unsupported scheme "${scheme}:", ${expectedForms}`);
  }
}

/** The folder a `file://` store URL names (resolved against `cwd`); null for other schemes. */
export function fileStoreFolder(url: string, cwd: string = process.cwd()): string | null {
  const match = /^file:\/\/(.*)$/i.exec(url.trim());
  return match ? fileUrlPath(url, match[1] ?? '', cwd) : null;
}

function fileUrlPath(url: string, rest: string, cwd: string): string {
  // file://localhost/abs is the RFC 8089 spelling of file:///abs.
  const withoutHost = rest.startsWith('localhost/') ? rest.slice('localhost'.length) : rest;
  let path: string;
  try {
    path = decodeURIComponent(withoutHost);
  } catch {
    throw invalid(url, 'bad percent-encoding in the path');
  }
  if (path === '' || path.includes('\0')) throw invalid(url, 'empty path');
  return isAbsolute(path) ? path : resolve(cwd, path);
}

// Bucket naming rules of the two services, simplified to what matters for a URL.
const s3BucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const gcsBucketPattern = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function bucketAndPrefix(url: string, rest: string, bucketPattern: RegExp): { bucket: string; prefix: string } {
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (!bucketPattern.test(bucket)) throw invalid(url, `"${bucket}" is not a valid bucket name`);
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw invalid(url, 'the key prefix may not contain "." or ".." segments');
  }
  return { bucket, prefix };
}

function invalid(url: string, reason: string): Error {
  return new Error(`invalid --artifact-store URL ${JSON.stringify(url)}: ${reason}`);
}
