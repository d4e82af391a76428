// Starts a real listening server in-process on 127.0.0.1 (any free port), on a temp database
// and a temp artifact folder unless told otherwise. Tests call graphql() over real HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '../../src/config/parse-command-line.js';
import type { ServerConfig } from '../../src/config/config.js';
import { openAppServices, type AppServices } from '../../src/app-services.js';
import { startServing } from '../../src/serve.js';
import { copyFixture, type FixtureCopy } from './fixture.js';

export interface GraphQLResponse<Data = Record<string, unknown>> {
  data?: Data | null;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    extensions?: { code?: string } & Record<string, unknown>;
  }>;
}

export interface TestServer {
  url: string;
  services: AppServices;
  config: ServerConfig;
  /** A folder owned by this server (database and artifacts live here unless given). */
  directory: string;
  graphql<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<Data>>;
  stop(): Promise<void>;
}

/**
 * @param args extra command-line arguments, exactly as a user would type them after `npm start --`;
 *   when they name no STORAGE_URL / --artifact-store, temp ones are used.
 */
export async function startTestServer(args: string[] = []): Promise<TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'oag-server-'));
  const hasStorageUrl = args.some((arg) => /^(sqlite|postgres|postgresql|mysql|mariadb)(\+\w+)?:/.test(arg));
  const hasStore = args.includes('--artifact-store');
  const fullArgs = [
    ...(hasStorageUrl ? [] : [`sqlite:///${join(directory, 'optuna.db')}`]),
    ...(hasStore ? [] : ['--artifact-store', `file://${join(directory, 'artifacts')}`]),
    '--port',
    '0',
    ...args,
  ];
  const command = parseCommandLine(fullArgs, {});
  if (command.kind !== 'serve') throw new Error(`test server args did not describe a server: ${fullArgs.join(' ')}`);
  const services = await openAppServices(command.config);
  const running = await startServing(services, '127.0.0.1', 0);

  return {
    url: running.url,
    services,
    config: command.config,
    directory,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async stop() {
      await running.stop();
      await services.database.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A new study named `name` with one RUNNING trial, made over the server's GraphQL. */
export async function createStudyWithTrial(
  server: TestServer,
  name: string,
): Promise<{ studyId: number; trialId: number }> {
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation($n: String!) { createStudy(name: $n) { studyId } }',
    { n: name },
  );
  const studyId = study.data!.createStudy.studyId;
  const trial = await server.graphql<{ createTrial: { trialId: number } }>(
    'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
    { s: studyId },
  );
  return { studyId, trialId: trial.data!.createTrial.trialId };
}

/** A server on a fresh writable copy of the Optuna fixture (its database and artifact folder). */
export async function startServerOnFixtureCopy(
  args: string[] = [],
): Promise<{ server: TestServer; fixture: FixtureCopy; stop(): Promise<void> }> {
  const fixture = copyFixture();
  const server = await startTestServer([
    `sqlite:///${fixture.databasePath}`,
    '--artifact-store',
    `file://${fixture.artifactsPath}`,
    ...args,
  ]);
  return {
    server,
    fixture,
    async stop() {
      await server.stop();
      fixture.remove();
    },
  };
}
