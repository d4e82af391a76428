// The one typed configuration object the rest of the server receives. Built by
// parse-command-line.ts from flags and environment; the only other reader of process.env is
// src/optuna/datetimes.ts, whose `local` zone follows TZ as Optuna 4's datetime.now() did.
import type { DatetimeZone } from '../optuna/datetimes.js';

/** Optuna's Backoff parameters, in seconds (Optuna's names and defaults). */
export interface BackoffConfig {
  /** @default 10 */
  maxRetries: number;
  /** @default 2 */
  multiplier: number;
  /** @default 0.1 */
  minDelay: number;
  /** @default 30 */
  maxDelay: number;
}

export interface S3Config {
  /** S3-compatible endpoint (MinIO, s3rver, ...); from --s3-endpoint or AWS_ENDPOINT_URL_S3. */
  endpoint?: string;
  /** Path-style addressing (bucket in the path), which most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Region; from AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  region: string;
}

export interface GcsConfig {
  /** API endpoint of a GCS-compatible server; from --gcs-endpoint or STORAGE_EMULATOR_HOST. */
  endpoint?: string;
  /** Project id; from GOOGLE_CLOUD_PROJECT. */
  projectId?: string;
  /** Path of a service-account key file; from GOOGLE_APPLICATION_CREDENTIALS. */
  keyFilename?: string;
}

export interface UploadLimits {
  /** Bytes per uploaded file. @default 10 GiB */
  maxFileSize: number;
  /** Files per request. @default 20 */
  maxFiles: number;
  /** Bytes of a non-file multipart field (operations, map). @default 1 MiB */
  maxFieldSize: number;
}

export interface StagedUploadConfig {
  /**
   * HMAC key of staged-upload tokens (--upload-signing-key, env OPTUNA_ARTIFACTS_SIGNING_KEY).
   * @default undefined: each process makes its own key, so its tickets complete only there;
   *   instances behind one load balancer need the same key
   */
  signingKey?: string;
  /**
   * Seconds a ticket (and its presigned URLs) stays valid.
   * @default 3600: a 10 GiB file at 25 Mbit/s takes about an hour
   */
  ticketTtlSeconds: number;
  /**
   * Part size of staged multipart uploads; a file of at most one part gets a single PUT.
   * Raised for files that would otherwise need more than S3's 10,000 parts.
   * @default 64 MiB: few enough parts to keep the ticket small (160 for 10 GiB), and one
   *   part's retry after a network failure costs seconds, not minutes
   */
  partSize: number;
}

export interface ServerConfig {
  /** The SQLAlchemy-style URL as the user wrote it, e.g. sqlite:///optuna.db. */
  storageUrl: string;
  /** file://..., s3://bucket[/prefix] or gs://bucket[/prefix]. */
  artifactStoreUrl: string;
  host: string;
  port: number;
  s3: S3Config;
  gcs: GcsConfig;
  backoff: BackoffConfig;
  uploads: UploadLimits;
  /** When set, mutations and subscriptions need `Authorization: Bearer <token>`. */
  authToken?: string;
  /** Origins allowed by CORS; empty = same-origin only. */
  corsOrigins: string[];
  /** Accept trial artifacts on COMPLETE/PRUNED/FAIL trials (Optuna refuses them). */
  allowFinishedTrialUploads: boolean;
  /** Seconds between looks for artifacts written by other processes. */
  watchIntervalSeconds: number;
  /**
   * Seconds a request waits for the database while another process holds its lock (a Python
   * Optuna writer on the same SQLite file) before it fails with DATABASE_UNAVAILABLE. The wait
   * does not hold up other requests.
   * @default 5: Optuna's own writes take milliseconds; a lock held longer is a stuck or bulk
   *   writer, and a client is better told so than left hanging
   */
  databaseBusyTimeoutSeconds: number;
  /**
   * Connections per process to a PostgreSQL / MySQL server (SQLite uses one).
   * @default 10: SQLAlchemy's pool size, which Optuna's workers use too
   */
  databasePoolSize: number;
  /**
   * The zone of Optuna's naive DATETIME columns, read and written.
   * @default utc: Optuna >= 5.0 writes naive UTC; `local` reads what Optuna <= 4.x wrote
   */
  datetimeZone: DatetimeZone;
  /**
   * The server's address as clients see it (https://artifacts.example.org), without a trailing
   * slash; when set, `downloadUrl` is absolute and its host is an allowed Host.
   */
  publicUrl?: string;
  /**
   * Host header values accepted (DNS-rebinding guard), lower case, each `name` or `name:port`.
   * `undefined` = any host (bound to a non-loopback address and no --allowed-host given).
   * @default localhost, 127.0.0.1, [::1] and the --public-url host when bound to a loopback
   *   address: a page on a rebound name then cannot reach the server
   */
  allowedHosts?: string[];
  /**
   * Largest GraphQL document, in bytes, checked before parsing (413 beyond).
   * @default 256 KiB: hand-written and generated documents are a few KiB; parsing is linear in
   *   size but each parsed document is cached, so the limit bounds both time and memory
   */
  maxQueryBytes: number;
  /**
   * Seconds an upload may go without receiving a byte before it is cut. There is no limit on an
   * upload's total duration: a slow link still finishes a big file.
   * @default 60
   */
  uploadIdleTimeoutSeconds: number;
  /**
   * Subscriptions one WebSocket connection may hold at once; one more is refused.
   * @default 100: a page subscribes to a handful; each costs memory for its queue
   */
  maxSubscriptionsPerConnection: number;
  /** Staged (direct-to-bucket) uploads: createArtifactUpload / completeArtifactUpload. */
  stagedUploads: StagedUploadConfig;
  /**
   * S3 / GCS stores: GET /artifacts/{id} answers 307 to a short-lived presigned URL instead of
   * streaming the bytes through the server.
   * @default false: the redirect target is the bucket's own host, which clients must be able
   *   to reach (and browsers pages to read, through the bucket's CORS rules)
   */
  downloadRedirect: boolean;
}

/** Host names that always mean this machine: accepted by default on a loopback bind. */
export const loopbackHostNames = ['localhost', '127.0.0.1', '[::1]'];

export const defaultBackoffConfig: BackoffConfig = { maxRetries: 10, multiplier: 2, minDelay: 0.1, maxDelay: 30 };
