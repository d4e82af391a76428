// Runs GraphQL operations in-process (`yoga.fetch`, no socket) on the production GraphQL server:
// createGraphQLServer (graphql-jit, operation limits, token check, error masking) over services
// opened by openAppServices from a command line, as `npm start` opens them — the given SQLite
// file and a real FileSystem store in a temp folder. Transports (uploads, SSE, WebSocket) need
// a listening server: test/support/test-server.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppServices, type AppServices } from '../../src/app-services.js';
import { defaultBackoffConfig, type ServerConfig } from '../../src/config/config.js';
import { parseCommandLine } from '../../src/config/parse-command-line.js';
import { DatetimeZone } from '../../src/optuna/datetimes.js';
import { createGraphQLServer } from '../../src/http/graphql-handler.js';

export interface GraphQLResponse<Data> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
}

/** `extensions.code` of the response's first error. */
export const errorCode = (response: GraphQLResponse<unknown>): string | undefined =>
  response.errors?.[0]?.extensions?.code;

export interface InProcessGraphQL {
  services: AppServices;
  /** Unexpected (masked) errors the server logged for its operator while this one ran. */
  unexpectedErrors: ServerLogLine[];
  execute<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<Data>>;
  /** Closes the server's database connection and removes its store folder. */
  close(): Promise<void>;
}

/** A storage URL (`sqlite:///…`, `postgresql://…`, `mysql://…`) rather than a SQLite file path. */
export const isStorageUrl = (text: string): boolean => /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text);

/**
 * @param databasePathOrUrl an Optuna SQLite file, or a storage URL of any dialect (the server
 *   creates Optuna's schema when the database is new).
 * @param args more command-line arguments, as after `npm start --`; without `--artifact-store`,
 *   a FileSystem store in a fresh temp folder.
 */
export async function createInProcessGraphQL(
  databasePathOrUrl: string,
  args: string[] = [],
): Promise<InProcessGraphQL> {
  const storeDirectory = await mkdtemp(join(tmpdir(), 'oag-in-process-store-'));
  const storeArgs = args.includes('--artifact-store') ? [] : ['--artifact-store', `file://${storeDirectory}`];
  const storageUrl = isStorageUrl(databasePathOrUrl) ? databasePathOrUrl : `sqlite:///${databasePathOrUrl}`;
  const command = parseCommandLine([storageUrl, ...storeArgs, ...args], {});
  if (command.kind !== 'serve') throw new Error(`not a server command line: ${args.join(' ')}`);
  const services = await openAppServices(command.config);
  const yoga = createGraphQLServer(services);
  const unexpectedErrors: ServerLogLine[] = [];
  const stopReading = readServerLog((line) => {
    if (line.message === 'unexpected error in a resolver') unexpectedErrors.push(line);
  });
  return {
    services,
    unexpectedErrors,
    async execute(query, variables) {
      const response = await yoga.fetch('http://127.0.0.1/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async close() {
      stopReading();
      await services.database.close();
      await rm(storeDirectory, { recursive: true, force: true });
    },
  };
}

/** A line of the server's log (src/logger.ts: one JSON object per line on stderr). */
export interface ServerLogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

const logReaders = new Set<(line: ServerLogLine) => void>();
let writeToStderr: typeof process.stderr.write | undefined;

/**
 * Calls `reader` with each log line the server writes, until the returned function is called.
 * The lines still reach stderr.
 */
function readServerLog(reader: (line: ServerLogLine) => void): () => void {
  if (writeToStderr === undefined) {
    const original = process.stderr.write.bind(process.stderr) as typeof process.stderr.write;
    writeToStderr = original;
    process.stderr.write = ((chunk: unknown, ...rest: never[]) => {
      if (typeof chunk === 'string') for (const line of logLinesIn(chunk)) for (const read of logReaders) read(line);
      return original(chunk as string, ...rest);
    }) as typeof process.stderr.write;
  }
  logReaders.add(reader);
  return () => {
    logReaders.delete(reader);
    if (logReaders.size === 0 && writeToStderr !== undefined) {
      process.stderr.write = writeToStderr;
      writeToStderr = undefined;
    }
  };
}

function logLinesIn(text: string): ServerLogLine[] {
  const lines: ServerLogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<ServerLogLine>;
      if (typeof parsed.level === 'string' && typeof parsed.message === 'string') lines.push(parsed as ServerLogLine);
    } catch {
      // not a log line of ours
    }
  }
  return lines;
}

/** A complete server config for tests that build a GraphQL server of their own. */
export function testServerConfig(storageUrl: string): ServerConfig {
  return {
    storageUrl,
    artifactStoreUrl: 'file://./artifacts',
    host: '127.0.0.1',
    port: 0,
    s3: { forcePathStyle: false, region: 'us-east-1' },
    gcs: {},
    backoff: defaultBackoffConfig,
    uploads: { maxFileSize: 1024 * 1024, maxFiles: 5, maxFieldSize: 1024 * 1024 },
    corsOrigins: [],
    allowFinishedTrialUploads: false,
    watchIntervalSeconds: 1,
    databaseBusyTimeoutSeconds: 5,
    databasePoolSize: 10,
    datetimeZone: DatetimeZone.utc,
    allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
    maxQueryBytes: 256 * 1024,
    uploadIdleTimeoutSeconds: 60,
    maxSubscriptionsPerConnection: 100,
    stagedUploads: { ticketTtlSeconds: 3600, partSize: 64 * 1024 * 1024 },
    downloadRedirect: false,
  };
}
