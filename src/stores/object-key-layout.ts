// Where artifact ids live inside a bucket, shared by the S3 and GCS stores: at the root
// under their own name (Optuna's Boto3ArtifactStore and GCSArtifactStore), or under an
// optional `<prefix>/`.
import { assertValidArtifactId, isValidArtifactId } from './artifact-store.js';

export class ObjectKeyLayout {
  /** Without leading or trailing slashes; '' for the bucket root. */
  readonly prefix: string;

  constructor(prefix = '') {
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
  }

  /** The object key of an artifact; rejects invalid ids before any request. */
  keyOf(artifactId: string): string {
    assertValidArtifactId(artifactId);
    return `${this.listingPrefix}${artifactId}`;
  }

  /** What listings are filtered by: '' or `<prefix>/`. */
  get listingPrefix(): string {
    return this.prefix === '' ? '' : `${this.prefix}/`;
  }

  /** The artifact id stored under `key`, or undefined when the key holds something else. */
  artifactIdOf(key: string): string | undefined {
    if (!key.startsWith(this.listingPrefix)) return undefined;
    const id = key.slice(this.listingPrefix.length);
    return isValidArtifactId(id) ? id : undefined;
  }

  /** `s3://bucket`, `gs://bucket/prefix`, ... */
  urlOf(scheme: string, bucket: string): string {
    return `${scheme}://${bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
  }
}
