// The Optuna fixture (SQLite, written by real Optuna) loaded into PostgreSQL and MariaDB by
// test/support/load-fixture.ts: every row and id kept, the id counters past them, and read
// back alike by Python Optuna and by the drizzle mirrors of each dialect.
import Database from 'better-sqlite3';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { MySqlTable, type MySqlColumn } from 'drizzle-orm/mysql-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { PgTable, type PgColumn } from 'drizzle-orm/pg-core';
import { SQLiteTable, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as mysqlSchema from '../../src/db/mysql/schema.js';
import { optunaTableNames } from '../../src/db/optuna-ddl.js';
import * as postgresqlSchema from '../../src/db/postgresql/schema.js';
import * as sqliteSchema from '../../src/db/schema.js';
import { withConnection, type DatabaseConnection } from '../support/database-connection.js';
import { copyFixture, loadManifest, type FixtureCopy } from '../support/fixture.js';
import { loadFixture } from '../support/load-fixture.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { createPostgresDatabase } from '../support/postgres-server.js';
import { inspectWithOptuna, type OptunaView } from '../support/python-optuna.js';

type Row = Record<string, unknown>;

const tablesOf = <T extends Table>(schema: object, kind: abstract new (...args: never[]) => T): Map<string, T> =>
  new Map(
    Object.values(schema)
      .filter((value): value is T => value instanceof kind)
      .map((table) => [getTableName(table), table]),
  );

/** Every table's rows in id order, read through a drizzle mirror: table name → rows. */
type MirrorRows = Record<string, Row[]>;

async function rowsThroughPostgresMirror(url: string): Promise<MirrorRows> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const database = drizzlePostgres(client);
    const rows: MirrorRows = {};
    for (const [name, table] of tablesOf(postgresqlSchema, PgTable)) {
      const [idColumn] = Object.values(getTableColumns(table)) as PgColumn[];
      rows[name] = await database.select().from(table).orderBy(idColumn!);
    }
    return rows;
  } finally {
    await client.end();
  }
}

async function rowsThroughMysqlMirror(url: string): Promise<MirrorRows> {
  const connection = await mysql.createConnection(url);
  try {
    const database = drizzleMysql({ client: connection });
    const rows: MirrorRows = {};
    for (const [name, table] of tablesOf(mysqlSchema, MySqlTable)) {
      const [idColumn] = Object.values(getTableColumns(table)) as MySqlColumn[];
      rows[name] = await database.select().from(table).orderBy(idColumn!);
    }
    return rows;
  } finally {
    await connection.end();
  }
}

/** The next id each table's counter hands out: table name → id. */
async function nextPostgresIds(connection: DatabaseConnection): Promise<Record<string, number>> {
  const rows = await connection.query<{ table: string; next: string }>(
    `SELECT table_name AS table, nextval(pg_get_serial_sequence(table_name, column_name)) AS next
     FROM information_schema.columns WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
  );
  return Object.fromEntries(rows.map((row) => [row.table, Number(row.next)]));
}

async function nextMysqlIds(connection: DatabaseConnection): Promise<Record<string, number>> {
  const rows = await connection.query<{ table: string; next: number }>(
    `SELECT TABLE_NAME AS \`table\`, AUTO_INCREMENT AS next FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT IS NOT NULL`,
  );
  return Object.fromEntries(rows.map((row) => [row.table, Number(row.next)]));
}

const dialects = [
  {
    name: 'PostgreSQL',
    createDatabase: createPostgresDatabase,
    rowsThroughMirror: rowsThroughPostgresMirror,
    nextIds: nextPostgresIds,
    /** What the column keeps of the naive datetime Optuna wrote: all of it, to the microsecond. */
    keptDatetime: (text: string) => text,
    /** The server's text for a stored timestamp drops the fraction's trailing zeros. */
    datetimeText: (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''),
  },
  {
    name: 'MariaDB',
    createDatabase: createMariadbDatabase,
    rowsThroughMirror: rowsThroughMysqlMirror,
    nextIds: nextMysqlIds,
    /** DATETIME keeps whole seconds: the fraction Optuna sends is truncated, not rounded. */
    keptDatetime: (text: string) => text.slice(0, 'YYYY-MM-DD HH:MM:SS'.length),
    datetimeText: (text: string) => text,
  },
];

describe.each(dialects)('the Optuna fixture loaded into $name', (dialect) => {
  let url: string;
  let copy: FixtureCopy;
  let fixture: Database.Database;

  beforeAll(async () => {
    url = await dialect.createDatabase('fixture');
    await loadFixture(url);
    copy = copyFixture();
    fixture = new Database(copy.databasePath, { readonly: true });
  });
  afterAll(() => {
    fixture?.close();
    copy?.remove();
  });

  test('every table holds as many rows as in SQLite', async () => {
    await withConnection(url, async (connection) => {
      for (const table of optunaTableNames) {
        const [loaded] = await connection.query<{ count: number | string }>(`SELECT count(*) AS count FROM ${table}`);
        const expected = fixture.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
        expect(Number(loaded!.count), table).toBe(expected);
      }
    });
  });

  test('every row reads back through the drizzle mirror as SQLite has it, ids included', async () => {
    const sqlite = drizzleSqlite(fixture);
    const expected: MirrorRows = {};
    for (const [name, table] of tablesOf(sqliteSchema, SQLiteTable)) {
      const columns = Object.entries(getTableColumns(table)) as [string, SQLiteColumn][];
      const datetimeProperties = columns
        .filter(([, column]) => column.getSQLType() === 'DATETIME')
        .map(([property]) => property);
      expected[name] = sqlite
        .select()
        .from(table)
        .orderBy(columns[0]![1])
        .all()
        .map((row: Row) => {
          const stored = { ...row };
          for (const property of datetimeProperties) {
            const written = stored[property];
            if (typeof written === 'string') stored[property] = dialect.datetimeText(dialect.keptDatetime(written));
          }
          return stored;
        });
    }
    expect(await dialect.rowsThroughMirror(url)).toEqual(expected);
  });

  test('new rows get the ids after the loaded ones', async () => {
    await withConnection(url, async (connection) => {
      const expected: Record<string, number> = {};
      for (const table of optunaTableNames.filter((name) => name !== 'version_info' && name !== 'alembic_version')) {
        const largestId = fixture.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() as number | null;
        expected[table] = (largestId ?? 0) + 1;
      }
      expect(await dialect.nextIds(connection)).toEqual(expected);
    });
  });

  describe('read by Python Optuna', () => {
    let view: OptunaView;
    beforeAll(async () => {
      view = await inspectWithOptuna(url);
      // Optuna lists studies in the server's row order (MariaDB reads them by name).
      view.studies.sort((a, b) => a.study_id - b.study_id);
    });

    test("the MANIFEST's study names, trial counts and artifact attribute keys", () => {
      const manifest = loadManifest();
      expect(view.accepted).toBe(true);
      expect(view.studies.map((study) => [study.name, study.trials.length])).toEqual(
        manifest.studies.map((study) => [study.study_name, study.n_trials]),
      );
      const artifactKeys = view.studies
        .flatMap((study) => [
          ...Object.keys(study.system_attrs),
          ...study.trials.flatMap((trial) => Object.keys(trial.system_attrs)),
        ])
        .filter((key) => key.startsWith('artifacts:') || key.startsWith('dashboard:artifacts:'));
      const manifestKeys = [...manifest.artifacts, ...manifest.tombstones].map((artifact) => artifact.attr_key);
      expect(artifactKeys.sort()).toEqual(manifestKeys.sort());
    });

    test('everything else as in the SQLite fixture (datetimes as the server stores them)', async () => {
      const sqliteView = await inspectWithOptuna(copy.databasePath);
      for (const trial of sqliteView.studies.flatMap((study) => study.trials)) {
        if (trial.datetime_start !== null) trial.datetime_start = dialect.keptDatetime(trial.datetime_start);
        if (trial.datetime_complete !== null) trial.datetime_complete = dialect.keptDatetime(trial.datetime_complete);
      }
      expect(view).toEqual(sqliteView);
    });
  });
});
