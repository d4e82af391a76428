// The server databases the bench sets beside SQLite: private PostgreSQL and MariaDB servers
// started for one benchmark with the tests' own helpers (test/support), each database a copy
// of the SQLite file the benchmark built, so every dialect serves the same rows.
import { copySqliteDatabase } from '../../test/support/load-fixture.js';
import { createMariadbDatabase, startMariadbServer } from '../../test/support/mariadb-server.js';
import { createPostgresDatabase, startPostgresServer } from '../../test/support/postgres-server.js';
import { progress } from './progress.js';

interface RunningDatabaseServer {
  /** A new empty database on the server; its SQLAlchemy URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Every server dialect the bench compares, and how to start a private server of it. */
const databaseServers: Record<string, () => Promise<RunningDatabaseServer>> = {
  postgresql: async () => {
    const server = await startPostgresServer();
    return { createDatabase: (name) => createPostgresDatabase(name, server.address), stop: () => server.stop() };
  },
  mariadb: async () => {
    const server = await startMariadbServer();
    return { createDatabase: (name) => createMariadbDatabase(name, server.address), stop: () => server.stop() };
  },
};

export interface ServerDatabaseCopy {
  dialect: string;
  url: string;
}

/**
 * Runs `work` on a copy of the SQLite file at `sqlitePath` in each server dialect, one after
 * another (each server stopped afterwards, whatever happens); the results in dialect order.
 */
export async function withServerCopies<Result>(
  sqlitePath: string,
  work: (copy: ServerDatabaseCopy) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = [];
  for (const [dialect, start] of Object.entries(databaseServers)) {
    progress(`${dialect}: starting a private server and copying the database`);
    const server = await start();
    try {
      const url = await server.createDatabase('bench');
      await copySqliteDatabase(sqlitePath, url);
      results.push(await work({ dialect, url }));
    } finally {
      await server.stop();
    }
  }
  return results;
}
