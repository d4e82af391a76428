// A MariaDB outage under a running server (a real child process): while the database is down,
// requests fail with DATABASE_UNAVAILABLE and /readyz says 503 but /healthz stays 200; once it
// is back the server answers normally again by itself, and the password never shows in its output.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { databaseUser } from '../support/database-user.js';
import { createMariadbDatabase, startMariadbServer, type RunningMariadbServer } from '../support/mariadb-server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { temporaryDirectory } from '../support/fixture.js';
import { waitUntil } from '../support/wait-until.js';

/** How long the database stays down (the scenario). */
const outageMs = 5000;

let mariadb: RunningMariadbServer;
let server: ServerProcess;
let artifacts: ReturnType<typeof temporaryDirectory>;

beforeAll(async () => {
  // A server of this test's own: stopping the run's shared one would fail the other files.
  mariadb = await startMariadbServer();
  const url = await createMariadbDatabase('outage', mariadb.address);
  artifacts = temporaryDirectory();
  server = await startServerProcess([
    url,
    '--artifact-store',
    `file://${artifacts.directory}`,
    '--db-busy-timeout',
    '2',
  ]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await mariadb?.stop();
  artifacts?.remove();
});

interface Answer {
  data?: { studies?: { totalCount: number } } | null;
  errors?: { extensions?: { code?: string } }[];
}

async function countStudies(): Promise<Answer> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: '{ studies { totalCount } }' }),
  });
  return (await response.json()) as Answer;
}

const statusOf = async (path: string): Promise<number> => (await fetch(`${server.url}${path}`)).status;

test('database down for 5 s: DATABASE_UNAVAILABLE and /readyz 503 meanwhile, normal again after, no password logged', async () => {
  expect(await countStudies()).toEqual({ data: { studies: { totalCount: 0 } } });
  expect(await statusOf('/readyz')).toBe(200);

  await mariadb.pause();
  const downSince = Date.now();
  const during = await countStudies();
  expect(during.errors?.[0]?.extensions?.code).toBe('DATABASE_UNAVAILABLE');
  expect(JSON.stringify(during)).not.toContain(databaseUser.password);
  expect(await statusOf('/readyz')).toBe(503);
  expect(await statusOf('/healthz')).toBe(200);
  // The rest of the outage: the scenario's length, not a wait for something to happen.
  await delay(Math.max(0, outageMs - (Date.now() - downSince)));
  expect((await countStudies()).errors?.[0]?.extensions?.code).toBe('DATABASE_UNAVAILABLE');

  await mariadb.resume();
  await waitUntil(async () => (await countStudies()).data?.studies?.totalCount === 0, 'the server answers again', {
    timeoutMs: 10_000,
    intervalMs: 100,
  });
  expect(await statusOf('/readyz')).toBe(200);

  const output = server.log();
  expect(output).toContain('"url"'); // the output was captured at all
  expect(output).not.toContain(databaseUser.password);
  expect(output).not.toContain(encodeURIComponent(databaseUser.password));
}, 120_000);
