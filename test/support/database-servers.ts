// vitest globalSetup of the `database-servers` project (vitest.config.ts): one private
// PostgreSQL and one MariaDB server for the whole run, their addresses handed to the test
// files through provide/inject, both stopped when the run ends.
import type { TestProject } from 'vitest/node';
import { startMariadbServer, type MariadbServerAddress, type RunningMariadbServer } from './mariadb-server.js';
import { startPostgresServer, type PostgresServerAddress, type RunningPostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresServer: PostgresServerAddress;
    mariadbServer: MariadbServerAddress;
  }
}

export default async function startDatabaseServers(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const starting = [startPostgresServer(), startMariadbServer()] as const;
  let servers: [RunningPostgresServer, RunningMariadbServer];
  try {
    servers = await Promise.all(starting);
  } catch (error) {
    // One failed: stop the other once it is up, so no server outlives the failed run.
    const settled = await Promise.allSettled(starting);
    await Promise.all(settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.stop()] : [])));
    throw error;
  }
  const [postgres, mariadb] = servers;
  project.provide('postgresServer', postgres.address);
  project.provide('mariadbServer', mariadb.address);
  console.info(
    `database servers ready in ${Date.now() - started} ms: PostgreSQL on 127.0.0.1:${postgres.address.port} (pid ${postgres.pid}), ` +
      `MariaDB on 127.0.0.1:${mariadb.address.port} (pid ${mariadb.pid})`,
  );
  return async () => {
    await Promise.all([postgres.stop(), mariadb.stop()]);
  };
}
