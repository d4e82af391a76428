// Opening MySQL / MariaDB storages (src/db/mysql/open-mysql.ts) on the private MariaDB server:
// an empty database gets Optuna's schema exactly once however many instances start together,
// an existing one is used as it is or refused with one line that never shows the password,
// and the dialect's SQL fragments mean on MariaDB what the shared query modules expect.
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseStorageUrl, type ServerDatabaseLocation } from '../../src/config/storage-url.js';
import { UnusableDatabaseError } from '../../src/db/database-errors.js';
import { openMysqlDialect, type OpenMysqlOptions } from '../../src/db/mysql/open-mysql.js';
import type { MysqlServerDialect } from '../../src/db/mysql/mysql-dialect.js';
import { optunaAlembicVersion, optunaTableNames } from '../../src/db/optuna-ddl.js';
import { TransactionRunner } from '../../src/db/server/transaction-runner.js';
import { StatementCounter } from '../../src/db/statement-counter.js';
import { withConnection } from '../support/database-connection.js';
import { databaseUser } from '../support/database-user.js';
import { createOptunaStorage } from '../support/load-fixture.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { inspectWithOptuna } from '../support/python-optuna.js';

const openOptions: OpenMysqlOptions = { readonly: false, busyTimeoutMs: 5000, poolSize: 2, libraryVersion: 'test' };

const locationOf = (url: string): ServerDatabaseLocation => parseStorageUrl(url) as ServerDatabaseLocation;

async function openAndClose(url: string, options: Partial<OpenMysqlOptions> = {}): Promise<void> {
  const dialect = await openMysqlDialect(locationOf(url), { ...openOptions, ...options });
  await dialect.end();
}

/** The rejection of opening `url`, which must fail. */
async function refusal(url: string, options: Partial<OpenMysqlOptions> = {}): Promise<UnusableDatabaseError> {
  const error: unknown = await openAndClose(url, options).then(
    () => new Error('opened'),
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(UnusableDatabaseError);
  return error as UnusableDatabaseError;
}

const tableCount = (url: string): Promise<number> =>
  withConnection(url, async (connection) => {
    const [row] = await connection.query<{ n: number }>(
      'SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()',
    );
    return Number(row!.n);
  });

describe('opening', () => {
  test('instances starting together on an empty database create Optuna schema once, and Optuna opens it', async () => {
    const url = await createMariadbDatabase('open_together');
    await Promise.all([openAndClose(url), openAndClose(url), openAndClose(url), openAndClose(url)]);
    await withConnection(url, async (connection) => {
      expect(await connection.query('SELECT version_num FROM alembic_version')).toEqual([
        { version_num: optunaAlembicVersion },
      ]);
      expect(
        await connection.query('SELECT version_info_id, schema_version, library_version FROM version_info'),
      ).toEqual([{ version_info_id: 1, schema_version: 12, library_version: 'test' }]);
    });
    expect(await tableCount(url)).toBe(optunaTableNames.length);
    expect((await inspectWithOptuna(url)).studies).toEqual([]);
  });

  test('a database of an older Optuna is refused naming `optuna storage upgrade`, password hidden', async () => {
    const url = await createMariadbDatabase('open_old');
    await createOptunaStorage(url, '3.1.0');
    await withConnection(url, (connection) => connection.query(`UPDATE alembic_version SET version_num = 'v3.0.0.d'`));
    const error = await refusal(url);
    const port = locationOf(url).port;
    expect(error.message).toContain(
      `has Optuna schema version v3.0.0.d, this server needs v3.2.0.a: upgrade it with ` +
        `\`optuna storage upgrade --storage mysql+pymysql://optuna_test:***@127.0.0.1:${port}/${locationOf(url).database}?charset=utf8mb4\``,
    );
    expect(error.message).not.toContain(databaseUser.password);
    expect(error.message).not.toContain(encodeURIComponent(databaseUser.password));
  });

  test('an existing database is used as it is: no table added, none changed', async () => {
    const url = await createMariadbDatabase('open_existing');
    await createOptunaStorage(url);
    const before = await withConnection(url, (connection) => connection.query('SHOW CREATE TABLE trials'));
    await openAndClose(url, { libraryVersion: 'not written' });
    expect(await withConnection(url, (connection) => connection.query('SHOW CREATE TABLE trials'))).toEqual(before);
    expect(
      await withConnection(url, (connection) => connection.query('SELECT library_version FROM version_info')),
    ).toEqual([{ library_version: '5.0.0.dev' }]);
  });

  test('read-only (check) on an empty database refuses and creates nothing', async () => {
    const url = await createMariadbDatabase('open_readonly');
    expect((await refusal(url, { readonly: true })).message).toContain('is empty, not an Optuna database');
    expect(await tableCount(url)).toBe(0);
  });

  test('a database that is not Optuna’s is refused', async () => {
    const url = await createMariadbDatabase('open_foreign');
    await withConnection(url, (connection) => connection.query('CREATE TABLE notes (id INTEGER)'));
    expect((await refusal(url)).message).toContain('is not an Optuna database (it has no alembic_version table)');
  });

  test('an unknown query parameter is refused in one line', async () => {
    const url = await createMariadbDatabase('open_query');
    const error = await refusal(`${url}&ssl_ca=/etc/ca.pem`);
    expect(error.message).toMatch(
      /unsupported query parameter "ssl_ca" \(a MySQL storage URL accepts charset and unix_socket\)$/,
    );
    expect(error.message).not.toContain('\n');
  });

  test('a wrong password is refused in one line that does not show it', async () => {
    const url = await createMariadbDatabase('open_denied');
    const wrong = url.replace(encodeURIComponent(databaseUser.password), 'n0t-th3-p4ss');
    const error = await refusal(wrong);
    expect(error.message).toMatch(/cannot be reached: .*Access denied/);
    expect(error.message).not.toContain('n0t-th3-p4ss');
  });
});

describe('SQL fragments on MariaDB', () => {
  let dialect: MysqlServerDialect;
  let runner: TransactionRunner;

  beforeAll(async () => {
    const url = await createMariadbDatabase('fragments');
    dialect = await openMysqlDialect(locationOf(url), openOptions);
    runner = new TransactionRunner(dialect, new StatementCounter(), 5000);
  });
  afterAll(async () => {
    runner.close();
    await dialect.end();
  });

  const valueOf = (expression: SQL): Promise<unknown> =>
    runner.run('read', async (db) => (await db.values<[unknown]>(sql`SELECT ${expression}`))[0]![0]);

  test('leadingInteger reads leading digits as SQLite does, and never fails', async () => {
    expect(await valueOf(dialect.leadingInteger(sql`${'42:abc'}`))).toBe(42);
    expect(await valueOf(dialect.leadingInteger(sql`${'abc'}`))).toBe(0);
    expect(await valueOf(dialect.leadingInteger(sql`${''}`))).toBe(0);
  });

  test('textBefore / textAfter split at the first delimiter, whole text when there is none', async () => {
    expect(await valueOf(dialect.textBefore(sql`${'12:ab:c'}`, ':'))).toBe('12');
    expect(await valueOf(dialect.textAfter(sql`${'12:ab:c'}`, ':'))).toBe('ab:c');
    expect(await valueOf(dialect.textAfter(sql`${'abc'}`, ':'))).toBe('abc');
  });

  test('startsWith is exact (case and bytes), containsText takes wildcards literally', async () => {
    const column = sql`CONVERT(${'ARTIFACTS:x'} USING utf8mb4) COLLATE utf8mb4_general_ci`;
    expect(await valueOf(dialect.startsWith(column, 'artifacts:'))).toBe(0);
    expect(await valueOf(dialect.startsWith(sql`${'artifacts:x'}`, 'artifacts:'))).toBe(1);
    expect(await valueOf(dialect.containsText(sql`${'a_b%c!d'}`, '_b%c!'))).toBe(1);
    expect(await valueOf(dialect.containsText(sql`${'axbycd'}`, '_b%c'))).toBe(0);
  });

  test('inList and inPairs take any length, the empty list included', async () => {
    expect(await valueOf(dialect.inList(sql`${3}`, []))).toBe(0);
    expect(await valueOf(dialect.inList(sql`${3}`, [1, 2, 3]))).toBe(1);
    expect(await valueOf(dialect.inList(sql`${'b'}`, ['a', 'b']))).toBe(1);
    expect(await valueOf(dialect.inPairs(sql`${1}`, sql`${2}`, []))).toBe(0);
    expect(
      await valueOf(
        dialect.inPairs(sql`${1}`, sql`${2}`, [
          [2, 1],
          [1, 2],
        ]),
      ),
    ).toBe(1);
  });
});
