// The storage dialects the dialect-neutral tests run on, and a fresh database of each for a
// test: a SQLite file, or a new database on the run's private PostgreSQL / MariaDB server
// (database-servers.ts). Used with describe.each in `*.rdb.test.ts` files.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { withConnection } from './database-connection.js';
import { copyFixture, temporaryDirectory } from './fixture.js';
import { loadFixture } from './load-fixture.js';
import { createMariadbDatabase } from './mariadb-server.js';
import { createPostgresDatabase } from './postgres-server.js';

export type TestDialect = 'sqlite' | 'postgresql' | 'mariadb';

/** Every dialect, for `describe.each(testDialects)`. */
export const testDialects: readonly TestDialect[] = ['sqlite', 'postgresql', 'mariadb'];

/** The server dialects (the Python Optuna and outage tests run on these). */
export const serverDialects: readonly TestDialect[] = ['postgresql', 'mariadb'];

export interface TestDatabase {
  /** The storage URL, as Python users write it. */
  url: string;
  /** Removes what the database left on disk (a server database is dropped with the server). */
  remove(): void;
}

/** A new, empty database of `dialect` (`name` prefixes the server database's name). */
export async function freshDatabase(dialect: TestDialect, name: string): Promise<TestDatabase> {
  switch (dialect) {
    case 'sqlite': {
      const folder = temporaryDirectory();
      return { url: `sqlite:///${join(folder.directory, `${name}.db`)}`, remove: folder.remove };
    }
    case 'postgresql':
      return { url: await createPostgresDatabase(name), remove: () => undefined };
    case 'mariadb':
      return { url: await createMariadbDatabase(name), remove: () => undefined };
  }
}

export interface FixtureDatabase extends TestDatabase {
  /** The fixture's artifact files (a FileSystem store). */
  artifactsPath: string;
}

/** A database of `dialect` holding the Optuna fixture's rows, and a copy of its artifact files. */
export async function fixtureDatabase(dialect: TestDialect): Promise<FixtureDatabase> {
  const copy = copyFixture();
  if (dialect === 'sqlite')
    return { url: `sqlite:///${copy.databasePath}`, artifactsPath: copy.artifactsPath, remove: copy.remove };
  const database = await freshDatabase(dialect, 'fixture');
  await loadFixture(database.url);
  return { url: database.url, artifactsPath: copy.artifactsPath, remove: copy.remove };
}

/** Runs one statement of the dialect's own SQL on the database at `url`, outside the server (set-up, tampering). */
export async function runRawSql(url: string, statement: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const connection = new Database(url.slice('sqlite:///'.length));
    try {
      connection.exec(statement);
    } finally {
      connection.close();
    }
    return;
  }
  await withConnection(url, async (connection) => {
    await connection.query(statement);
  });
}
