// Opening Optuna databases: a fresh one is created exactly as Optuna would create it; an
// existing one is used as it is, never changed; an unusable one is refused in one clear line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { listArtifactsNewestFirst } from '../../src/artifacts/artifact-listing.js';
import { UnusableDatabaseError } from '../../src/db/database-errors.js';
import { openOptunaDatabase } from '../../src/db/sqlite-database.js';
import { copyFixture, sha256OfFile, temporaryDirectory } from '../support/fixture.js';
import { buildStudy } from './optuna-factory.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fixtureCopy() {
  const copy = copyFixture();
  cleanups.push(copy.remove);
  return copy;
}

function freshPath(): string {
  const folder = temporaryDirectory();
  cleanups.push(folder.remove);
  return join(folder.directory, 'optuna.db');
}

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** What SQLite keeps about a file's schema, and the file-level settings that go with it. */
function schemaOf(path: string) {
  const connection = new Database(path, { readonly: true });
  try {
    return {
      master: connection
        .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid')
        .all() as MasterRow[],
      journalMode: connection.pragma('journal_mode', { simple: true }),
      pageSize: connection.pragma('page_size', { simple: true }),
      encoding: connection.pragma('encoding', { simple: true }),
      userVersion: connection.pragma('user_version', { simple: true }),
      autoVacuum: connection.pragma('auto_vacuum', { simple: true }),
      alembic: connection.prepare('SELECT version_num FROM alembic_version').all(),
      versionInfo: connection.prepare('SELECT version_info_id, schema_version FROM version_info').all(),
    };
  } finally {
    connection.close();
  }
}

describe('a path that does not exist', () => {
  test('becomes a database with exactly the schema real Optuna creates', async () => {
    const path = freshPath();
    await openOptunaDatabase(path).close();
    const created = schemaOf(path);
    const optunas = schemaOf(fixtureCopy().databasePath);
    expect(created.master).toEqual(optunas.master);
    expect(created).toEqual({ ...optunas, master: created.master });
    expect(created.alembic).toEqual([{ version_num: 'v3.2.0.a' }]);
    expect(created.versionInfo).toEqual([{ version_info_id: 1, schema_version: 12 }]);
    expect(created.journalMode).toBe('delete');
  });

  test('records the given library version in version_info', async () => {
    const path = freshPath();
    await openOptunaDatabase(path, { libraryVersion: 'optuna-artifacts-graphql 9.9.9' }).close();
    const connection = new Database(path, { readonly: true });
    expect(connection.prepare('SELECT library_version FROM version_info').get()).toEqual({
      library_version: 'optuna-artifacts-graphql 9.9.9',
    });
    connection.close();
  });

  test('an empty existing file is set up the same way', async () => {
    const path = freshPath();
    writeFileSync(path, '');
    await openOptunaDatabase(path).close();
    expect(schemaOf(path).master.map((row) => row.name)).toContain('trial_system_attributes');
  });

  test('is refused when opening read-only', () => {
    expect(() => openOptunaDatabase(freshPath(), { readonly: true })).toThrow();
  });
});

describe('an existing Optuna database', () => {
  test('is opened without changing a byte, and its journal mode stays delete', async () => {
    const copy = fixtureCopy();
    const before = sha256OfFile(copy.databasePath);
    const database = openOptunaDatabase(copy.databasePath);
    expect(database.connection.pragma('journal_mode', { simple: true })).toBe('delete');
    await database.close();
    expect(sha256OfFile(copy.databasePath)).toBe(before);
  });

  test('reports whether it can be read (readiness)', async () => {
    const database = openOptunaDatabase(fixtureCopy().databasePath);
    await expect(database.checkReadable()).resolves.toBeUndefined();
    await database.close();
    await expect(database.checkReadable()).rejects.toThrow();
  });

  test('serves with a busy timeout of a few milliseconds: SQLite never sleeps long on the event loop', async () => {
    const database = openOptunaDatabase(fixtureCopy().databasePath);
    expect(database.connection.pragma('busy_timeout', { simple: true })).toBeLessThanOrEqual(10);
    await database.close();
  });

  test('can be opened read-only, and then refuses writes', async () => {
    const database = openOptunaDatabase(fixtureCopy().databasePath, { readonly: true });
    expect(database.readonly).toBe(true);
    expect(await database.studies.count()).toBe(3);
    await expect(database.studyWrites.create('new', ['MINIMIZE'])).rejects.toThrow(/readonly/i);
    await database.close();
  });

  test('with an unknown alembic version is refused in one line naming `optuna storage upgrade`, unchanged', () => {
    const copy = fixtureCopy();
    const connection = new Database(copy.databasePath);
    connection.prepare(`UPDATE alembic_version SET version_num = 'v3.0.0.d'`).run();
    connection.close();
    const before = sha256OfFile(copy.databasePath);
    let message = '';
    try {
      openOptunaDatabase(copy.databasePath);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('v3.0.0.d');
    expect(message).toContain('optuna storage upgrade');
    expect(message).not.toContain('\n');
    expect(sha256OfFile(copy.databasePath)).toBe(before);
  });
});

test('a file that is not SQLite at all is refused in one line naming it', () => {
  const path = freshPath();
  writeFileSync(path, 'these are not the bytes of a database, just text that is long enough to look like a header');
  expect(() => openOptunaDatabase(path)).toThrow(
    `${path} cannot be opened as an Optuna database: SqliteError [SQLITE_NOTADB]: file is not a database`,
  );
});

test('a SQLite file that is not an Optuna database is refused and left alone', () => {
  const path = freshPath();
  const connection = new Database(path);
  connection.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)');
  connection.close();
  const before = sha256OfFile(path);
  expect(() => openOptunaDatabase(path)).toThrow(/not an Optuna database/);
  expect(sha256OfFile(path)).toBe(before);
});

test('a file SQLite cannot open at all is an UnusableDatabaseError naming it, as every other refusal', () => {
  const path = join(freshPath(), 'no-such-folder', 'optuna.db');
  let thrown: unknown;
  try {
    openOptunaDatabase(path);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UnusableDatabaseError);
  expect(thrown).toMatchObject({ path });
  expect((thrown as Error).message).toMatch(/cannot be opened as an Optuna database: .*directory does not exist/);
});

test('rows it had to skip go to the server log as JSON lines unless another logger is given', async () => {
  const path = freshPath();
  const database = openOptunaDatabase(path);
  cleanups.unshift(() => void database.close());
  const study = await buildStudy(database);
  database.orm.run(
    sql`INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (${study.studyId}, 'artifacts:bad', '{"artifact_id": "bad"}')`,
  );
  const lines: string[] = [];
  const write = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
  try {
    await listArtifactsNewestFirst(database, { studyId: study.studyId }, { first: 10, after: null });
  } finally {
    write.mockRestore();
  }
  expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
    expect.objectContaining({ level: 'warn', message: expect.stringContaining('artifacts:bad') }),
  ]);
});
