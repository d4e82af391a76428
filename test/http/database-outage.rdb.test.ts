// Done-when 3: the database server stops for 5 s under a running server process. Meanwhile
// requests fail with DATABASE_UNAVAILABLE, /readyz says 503 and /healthz 200; once the database
// is back the server answers normally by itself (no restart), and the database password never
// appears in anything the process wrote. Each dialect gets a private database server: stopping
// the run's shared one would break the other test files.
import { afterEach, describe, expect, test } from 'vitest';
import { databaseUser } from '../support/database-user.js';
import { temporaryDirectory } from '../support/fixture.js';
import { createMariadbDatabase, startMariadbServer } from '../support/mariadb-server.js';
import { createPostgresDatabase, startPostgresServer } from '../support/postgres-server.js';
import { startServerProcess } from '../support/server-process.js';
import { waitUntil } from '../support/wait-until.js';

/** A database server of the test's own that can go down and come back, and a database URL on it. */
interface PausableDatabase {
  url: string;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const privateDatabases: Record<string, () => Promise<PausableDatabase>> = {
  postgresql: async () => {
    const server = await startPostgresServer();
    return { url: await createPostgresDatabase('outage', server.address), ...server };
  },
  mariadb: async () => {
    const server = await startMariadbServer();
    return { url: await createMariadbDatabase('outage', server.address), ...server };
  },
};

/** How long the database stays down (the 5 s). */
const outageMs = 5000;

describe.each(Object.keys(privateDatabases))('a %s outage under a running server', (dialect) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('DATABASE_UNAVAILABLE and /readyz 503 while down, normal answers once back, no password in the output', async () => {
    const database = await privateDatabases[dialect]!();
    cleanups.push(() => database.stop());
    const store = temporaryDirectory();
    cleanups.push(store.remove);
    const server = await startServerProcess([
      database.url,
      '--artifact-store',
      `file://${store.directory}`,
      '--db-busy-timeout',
      '1',
    ]);
    cleanups.push(() => server.stop());

    const listStudies = async (): Promise<{ code: string | undefined; total: number | undefined }> => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query: '{ studies(first: 5) { totalCount } }' }),
      });
      const body = (await response.json()) as {
        data?: { studies: { totalCount: number } } | null;
        errors?: { extensions?: { code?: string } }[];
      };
      return { code: body.errors?.[0]?.extensions?.code, total: body.data?.studies.totalCount };
    };
    const status = async (path: string): Promise<number> => (await fetch(`${server.url}${path}`)).status;
    const createStudy = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { createStudy(name: "before the outage") { studyId } }' }),
    });
    expect(createStudy.status).toBe(200);
    expect(await listStudies()).toEqual({ code: undefined, total: 1 });
    expect(await status('/readyz')).toBe(200);

    await database.pause();
    const downSince = Date.now();
    // Every answer during the outage: the database is unavailable, the process is alive.
    while (Date.now() - downSince < outageMs) {
      expect((await listStudies()).code).toBe('DATABASE_UNAVAILABLE');
      expect(await status('/readyz')).toBe(503);
      expect(await status('/healthz')).toBe(200);
    }

    await database.resume();
    await waitUntil(async () => (await listStudies()).total === 1, 'the server answers again', {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(await status('/readyz')).toBe(200);

    const output = server.log() + server.stdout();
    expect(output).not.toContain(databaseUser.password);
    expect(output).not.toContain(encodeURIComponent(databaseUser.password));
  });
});
