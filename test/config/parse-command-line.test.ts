import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/config/parse-command-line.js';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import { parseByteSize } from '../../src/config/byte-size.js';

function serveConfig(argv: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(argv, env);
  if (command.kind !== 'serve') throw new Error(`expected serve, got ${command.kind}`);
  return command.config;
}

describe('parseCommandLine', () => {
  it('uses the documented defaults', () => {
    const config = serveConfig([]);
    expect(config.storageUrl).toBe('sqlite:///optuna.db');
    expect(config.artifactStoreUrl).toBe('file://./artifacts');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(4000);
    expect(config.backoff).toEqual({ maxRetries: 10, multiplier: 2, minDelay: 0.1, maxDelay: 30 });
    expect(config.uploads.maxFileSize).toBe(10 * 1024 ** 3);
    expect(config.uploads.maxFiles).toBe(20);
    expect(config.authToken).toBeUndefined();
    expect(config.allowFinishedTrialUploads).toBe(false);
    expect(config.watchIntervalSeconds).toBe(1);
    expect(config.databaseBusyTimeoutSeconds).toBe(5);
    expect(serveConfig(['--db-busy-timeout', '0.5']).databaseBusyTimeoutSeconds).toBe(0.5);
  });

  it('reads the staged-upload and redirect flags, the signing key also from the environment', () => {
    expect(serveConfig([])).toMatchObject({
      stagedUploads: { ticketTtlSeconds: 3600, partSize: 64 * 1024 ** 2 },
      downloadRedirect: false,
    });
    expect(serveConfig([]).stagedUploads.signingKey).toBeUndefined();
    const config = serveConfig(['--download-redirect', '--upload-ticket-ttl', '600', '--staged-part-size', '16MiB'], {
      OPTUNA_ARTIFACTS_SIGNING_KEY: 'from the environment',
    });
    expect(config).toMatchObject({
      stagedUploads: { signingKey: 'from the environment', ticketTtlSeconds: 600, partSize: 16 * 1024 ** 2 },
      downloadRedirect: true,
    });
    expect(
      serveConfig(['--upload-signing-key', 'flag'], { OPTUNA_ARTIFACTS_SIGNING_KEY: 'env' }).stagedUploads.signingKey,
    ).toBe('flag');
  });

  it('reads flags, and the environment where a flag is absent', () => {
    const config = serveConfig(
      [
        'sqlite:////data/o.db',
        '--artifact-store',
        's3://bucket/prefix',
        '--port',
        '8080',
        '--max-file-size',
        '512MiB',
        '--cors-origin',
        'https://a.example',
        '--cors-origin',
        'https://b.example',
        '--s3-force-path-style',
      ],
      { HOST: '0.0.0.0', OPTUNA_ARTIFACTS_TOKEN: 'secret', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' },
    );
    expect(config.storageUrl).toBe('sqlite:////data/o.db');
    expect(config.artifactStoreUrl).toBe('s3://bucket/prefix');
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.uploads.maxFileSize).toBe(512 * 1024 ** 2);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.authToken).toBe('secret');
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });

  it('recognises help, version and check', () => {
    expect(parseCommandLine(['--help'], {}).kind).toBe('help');
    expect(parseCommandLine(['--version'], {}).kind).toBe('version');
    const check = parseCommandLine(['check', 'sqlite:///x.db', '--fix'], {});
    expect(check).toMatchObject({ kind: 'check', fixOrphans: true, fixMissingBytes: false });
  });

  it.each([
    [['--port', 'eighty']],
    [['--port', '70000']],
    [['--max-file-size', 'lots']],
    [['--no-such-flag']],
    [['a.db', 'b.db']],
    [['--cors-origin', 'not a url']],
    [['--s3-endpoint', 'ftp://x']],
    [['--fix']],
    [['--db-busy-timeout', '-1']],
    [['--staged-part-size', '4MiB']],
    [['--staged-part-size', '6GiB']],
    [['--upload-ticket-ttl', '0']],
  ])('refuses %j with a UsageError', (argv) => {
    expect(() => parseCommandLine(argv, {})).toThrow(UsageError);
  });
});

describe('parseStorageUrl', () => {
  it.each([
    ['sqlite:///optuna.db', 'optuna.db'],
    ['sqlite:///sub/dir/o.db', 'sub/dir/o.db'],
    ['sqlite:////abs/path.db', '/abs/path.db'],
    ['sqlite+pysqlite:///o.db', 'o.db'],
  ])('%s → SQLite file %s', (url, path) => {
    expect(parseStorageUrl(url)).toEqual({ dialect: 'sqlite', path });
  });

  it('reads the PostgreSQL URL Python users write, %-decoding the credentials', () => {
    expect(parseStorageUrl('postgresql+psycopg2://optuna:p%40ss%2Fw%3Ard%25@db.example.org:5433/studies')).toEqual({
      dialect: 'postgresql',
      driver: 'psycopg2',
      host: 'db.example.org',
      port: 5433,
      user: 'optuna',
      password: 'p@ss/w:rd%',
      database: 'studies',
      query: {},
    });
  });

  it('reads the MySQL URL with its query, an IPv6 host and an unescaped @ in the password', () => {
    expect(parseStorageUrl('mysql+pymysql://root:a@b@[::1]/optuna?charset=utf8mb4')).toEqual({
      dialect: 'mysql',
      driver: 'pymysql',
      host: '::1',
      port: null,
      user: 'root',
      password: 'a@b',
      database: 'optuna',
      query: { charset: 'utf8mb4' },
    });
  });

  it('takes a URL without credentials or host (a local socket)', () => {
    expect(parseStorageUrl('postgresql:///optuna?host=/var/run/postgresql')).toMatchObject({
      host: null,
      user: null,
      password: null,
      database: 'optuna',
      query: { host: '/var/run/postgresql' },
    });
  });

  it.each([
    'optuna.db',
    'sqlite://o.db',
    'sqlite:///',
    'sqlite:///:memory:',
    'redis://x',
    'sqlite:///o.db?timeout=3',
    'postgresql://u:p@h',
    'postgresql://u:p@h:0/db',
    'mysql://u:p@h:port/db',
    'mysql://u:p%zz@h/db',
  ])('refuses %s with one clear line', (url) => {
    expect(() => parseStorageUrl(url)).toThrow(/^storage URL [^\n]*$/);
  });

  it('never echoes a password', () => {
    expect(() => parseStorageUrl('postgresql://user:hunter2@host:70000/db')).toThrow(/user:\*\*\*@/);
    expect(() => parseStorageUrl('mysql://user:hunter2%zz@host/db')).not.toThrow(/hunter2/);
    expect(() => parseStorageUrl('mysql://user:hunter2%zz@host/db')).toThrow(/user:\*\*\*@/);
  });
});

describe('parseByteSize', () => {
  it.each([
    ['1048576', 1048576],
    ['10GiB', 10 * 1024 ** 3],
    ['512 MB', 512e6],
    ['1.5k', 1500],
    ['64mib', 64 * 1024 ** 2],
  ])('%s → %d', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', '-1', '0', '10 parsecs', 'GiB'])('refuses %j', (text) => {
    expect(() => parseByteSize(text)).toThrow();
  });
});
