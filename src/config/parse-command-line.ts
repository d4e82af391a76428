// Flags and environment → one typed ServerConfig. The only module that reads the server's
// settings from process.env (datetimes.ts follows TZ, as Optuna does).
import { parseArgs } from 'node:util';
import { defaultBackoffConfig, loopbackHostNames, type ServerConfig } from './config.js';
import { parseByteSize } from './byte-size.js';
import { DatetimeZone } from '../optuna/datetimes.js';

/** A command-line mistake: the CLI prints the message as one line and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; config: ServerConfig }
  | {
      kind: 'check';
      config: ServerConfig;
      fixOrphans: boolean;
      fixMissingBytes: boolean;
      force: boolean;
      json: boolean;
    };

const optionDefinitions = {
  'artifact-store': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-force-path-style': { type: 'boolean' },
  'gcs-endpoint': { type: 'string' },
  'backoff-max-retries': { type: 'string' },
  'backoff-multiplier': { type: 'string' },
  'backoff-min-delay': { type: 'string' },
  'backoff-max-delay': { type: 'string' },
  'max-file-size': { type: 'string' },
  'max-files': { type: 'string' },
  'auth-token': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'allow-finished-trial-uploads': { type: 'boolean' },
  'watch-interval': { type: 'string' },
  'db-busy-timeout': { type: 'string' },
  'db-pool-size': { type: 'string' },
  'datetime-zone': { type: 'string' },
  'public-url': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'max-query-bytes': { type: 'string' },
  'upload-idle-timeout': { type: 'string' },
  'max-subscriptions': { type: 'string' },
  'download-redirect': { type: 'boolean' },
  'upload-signing-key': { type: 'string' },
  'upload-ticket-ttl': { type: 'string' },
  'staged-part-size': { type: 'string' },
  fix: { type: 'boolean' },
  'fix-metadata': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Environment = Record<string, string | undefined>;

export function parseCommandLine(argv: string[], env: Environment = process.env): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionDefinitions, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const isCheck = positionals[0] === 'check';
  const storagePositionals = isCheck ? positionals.slice(1) : positionals;
  if (storagePositionals.length > 1) {
    throw new UsageError(`expected at most one STORAGE_URL, got: ${storagePositionals.join(' ')}`);
  }
  if (!isCheck && (values.fix || values['fix-metadata'] || values.force || values.json)) {
    throw new UsageError('--fix, --fix-metadata, --force and --json belong to the check subcommand');
  }
  if (values.force && !values['fix-metadata']) throw new UsageError('--force goes with --fix-metadata');

  const host = values.host ?? env.HOST ?? '127.0.0.1';
  const publicUrl = publicUrlOption(values['public-url']);

  const config: ServerConfig = {
    storageUrl: storagePositionals[0] ?? env.OPTUNA_STORAGE ?? 'sqlite:///optuna.db',
    artifactStoreUrl: values['artifact-store'] ?? env.OPTUNA_ARTIFACT_STORE ?? 'file://./artifacts',
    host,
    port: integerOption('--port', values.port ?? env.PORT, 4000, { min: 0, max: 65535 }),
    s3: {
      endpoint: urlOption('--s3-endpoint', values['s3-endpoint'] ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL),
      forcePathStyle: values['s3-force-path-style'] ?? false,
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    },
    gcs: {
      endpoint: urlOption('--gcs-endpoint', values['gcs-endpoint'] ?? gcsEmulatorEndpoint(env.STORAGE_EMULATOR_HOST)),
      projectId: env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT,
      keyFilename: env.GOOGLE_APPLICATION_CREDENTIALS,
    },
    backoff: {
      maxRetries: integerOption(
        '--backoff-max-retries',
        values['backoff-max-retries'],
        defaultBackoffConfig.maxRetries,
        { min: 0, max: 100 },
      ),
      multiplier: numberOption('--backoff-multiplier', values['backoff-multiplier'], defaultBackoffConfig.multiplier, {
        min: 1,
      }),
      minDelay: numberOption('--backoff-min-delay', values['backoff-min-delay'], defaultBackoffConfig.minDelay, {
        min: 0,
      }),
      maxDelay: numberOption('--backoff-max-delay', values['backoff-max-delay'], defaultBackoffConfig.maxDelay, {
        min: 0,
      }),
    },
    uploads: {
      maxFileSize: byteSizeOption('--max-file-size', values['max-file-size'], 10 * 1024 ** 3),
      maxFiles: integerOption('--max-files', values['max-files'], 20, { min: 1, max: 10_000 }),
      maxFieldSize: 1024 * 1024,
    },
    authToken: nonEmpty(values['auth-token'] ?? env.OPTUNA_ARTIFACTS_TOKEN),
    corsOrigins: (values['cors-origin'] ?? []).map((origin) => originOption(origin)),
    allowFinishedTrialUploads: values['allow-finished-trial-uploads'] ?? false,
    watchIntervalSeconds: numberOption('--watch-interval', values['watch-interval'], 1, { min: 0.01 }),
    databaseBusyTimeoutSeconds: numberOption('--db-busy-timeout', values['db-busy-timeout'], 5, { min: 0 }),
    databasePoolSize: integerOption('--db-pool-size', values['db-pool-size'], 10, { min: 1, max: 1000 }),
    datetimeZone: datetimeZoneOption(values['datetime-zone']),
    publicUrl,
    allowedHosts: allowedHostsOption(values['allowed-host'], host, publicUrl),
    maxQueryBytes: byteSizeOption('--max-query-bytes', values['max-query-bytes'], 256 * 1024),
    uploadIdleTimeoutSeconds: numberOption('--upload-idle-timeout', values['upload-idle-timeout'], 60, { min: 0.1 }),
    maxSubscriptionsPerConnection: integerOption('--max-subscriptions', values['max-subscriptions'], 100, {
      min: 1,
      max: 100_000,
    }),
    stagedUploads: {
      signingKey: nonEmpty(values['upload-signing-key'] ?? env.OPTUNA_ARTIFACTS_SIGNING_KEY),
      ticketTtlSeconds: numberOption('--upload-ticket-ttl', values['upload-ticket-ttl'], 3600, { min: 0.001 }),
      partSize: stagedPartSizeOption(values['staged-part-size']),
    },
    downloadRedirect: values['download-redirect'] ?? false,
  };

  if (isCheck) {
    return {
      kind: 'check',
      config,
      fixOrphans: values.fix ?? false,
      fixMissingBytes: values['fix-metadata'] ?? false,
      force: values.force ?? false,
      json: values.json ?? false,
    };
  }
  return { kind: 'serve', config };
}

function datetimeZoneOption(text: string | undefined): DatetimeZone {
  if (text === undefined) return DatetimeZone.utc;
  try {
    return DatetimeZone.parse(text);
  } catch (error) {
    throw new UsageError(`--datetime-zone: ${(error as Error).message}`);
  }
}

function integerOption(
  flag: string,
  text: string | undefined,
  fallback: number,
  range: { min: number; max: number },
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(`${flag} needs a whole number from ${range.min} to ${range.max}, got "${text}"`);
  }
  return value;
}

function numberOption(flag: string, text: string | undefined, fallback: number, range: { min: number }): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < range.min) {
    throw new UsageError(`${flag} needs a number ≥ ${range.min}, got "${text}"`);
  }
  return value;
}

function byteSizeOption(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseByteSize(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

/** S3 takes parts of 5 MiB to 5 GiB. */
function stagedPartSizeOption(text: string | undefined): number {
  const size = byteSizeOption('--staged-part-size', text, 64 * 1024 ** 2);
  if (size < 5 * 1024 ** 2 || size > 5 * 1024 ** 3) {
    throw new UsageError(`--staged-part-size must be from 5MiB to 5GiB (S3's part limits), got "${text}"`);
  }
  return size;
}

function urlOption(flag: string, text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new UsageError(`${flag} needs an http(s) URL, got "${text}"`);
  }
  return text;
}

function originOption(text: string): string {
  if (text === '*') return text;
  if (!URL.canParse(text) || new URL(text).origin !== text.replace(/\/$/, '')) {
    throw new UsageError(`--cors-origin needs an origin such as https://example.com or *, got "${text}"`);
  }
  return new URL(text).origin;
}

function publicUrlOption(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (
    !URL.canParse(text) ||
    !/^https?:$/.test(new URL(text).protocol) ||
    new URL(text).search !== '' ||
    new URL(text).hash !== ''
  ) {
    throw new UsageError(
      `--public-url needs an http(s) URL without query, such as https://artifacts.example.org, got "${text}"`,
    );
  }
  return text.replace(/\/+$/, '');
}

/** A Host header value as the Host check compares it: lower case, IPv6 in brackets. */
function hostOption(text: string): string {
  const candidate = text.trim().toLowerCase();
  if (
    candidate === '' ||
    !URL.canParse(`http://${candidate}/`) ||
    new URL(`http://${candidate}/`).host !== candidate.replace(/:80$/, '')
  ) {
    throw new UsageError(
      `--allowed-host needs a host name such as artifacts.example.org or localhost:4000, got "${text}"`,
    );
  }
  return candidate;
}

/**
 * The Host values accepted. On a loopback bind only this machine's names (and the public URL's
 * host): a DNS-rebinding page reaches the server under a foreign name and is refused. Bound to
 * another address, clients use names this server cannot know, so any host unless listed.
 */
function allowedHostsOption(
  flags: string[] | undefined,
  host: string,
  publicUrl: string | undefined,
): string[] | undefined {
  const publicHost = publicUrl === undefined ? [] : [new URL(publicUrl).host];
  if (flags !== undefined && flags.length > 0) return [...flags.map(hostOption), ...publicHost];
  if (!isLoopbackHost(host)) return undefined;
  return [...loopbackHostNames, ...publicHost];
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** STORAGE_EMULATOR_HOST is conventionally host:port without a scheme. */
function gcsEmulatorEndpoint(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
