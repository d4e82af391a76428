// Making sure a MySQL / MariaDB database is an Optuna storage this server can use: an empty one
// gets exactly the tables Optuna 5 creates (once, however many instances start together); an
// existing one is only checked, never altered.
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { UnusableDatabaseError } from '../database-errors.js';
import { optunaAlembicVersion, optunaSchemaVersion, optunaTableNames } from '../optuna-ddl.js';
import { optunaCreateStatements } from './optuna-ddl.js';

export interface MysqlSchemaSetupOptions {
  /** The database name, as error messages start. */
  database: string;
  /** The storage URL with its password hidden, for the `optuna storage upgrade` hint. */
  shownUrl: string;
  /** Written to `version_info.library_version` of a database this server creates. */
  libraryVersion: string;
  /** A read-only open only checks. */
  readonly: boolean;
  /** How long to wait for another instance that is creating the tables. */
  lockTimeoutMs: number;
}

async function tableNames(connection: PoolConnection): Promise<Set<string>> {
  const [rows] = await connection.query<({ name: string } & RowDataPacket)[]>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
  );
  return new Set(rows.map((row) => row.name));
}

/**
 * Creates Optuna's tables in an empty database, or checks an existing one. MySQL has no
 * transactional DDL: a named lock (GET_LOCK, released with the session) makes a second
 * instance wait for the first one's tables instead of racing it.
 * @throws UnusableDatabaseError with one line when the database is not a usable Optuna storage
 */
export async function ensureMysqlSchema(connection: PoolConnection, options: MysqlSchemaSetupOptions): Promise<void> {
  if ((await tableNames(connection)).size === 0) {
    if (options.readonly) {
      throw new UnusableDatabaseError(options.database, 'is empty, not an Optuna database (opened read-only)');
    }
    await createUnderLock(connection, options);
  }
  await checkMysqlSchema(connection, options);
}

async function createUnderLock(connection: PoolConnection, options: MysqlSchemaSetupOptions): Promise<void> {
  // Lock names are server-wide and at most 64 characters.
  const lockName = `optuna-schema:${options.database}`.slice(0, 64);
  const [[granted]] = await connection.query<({ granted: number | null } & RowDataPacket)[]>(
    'SELECT GET_LOCK(?, ?) AS granted',
    [lockName, Math.ceil(options.lockTimeoutMs / 1000)],
  );
  if (granted?.granted !== 1) {
    throw new UnusableDatabaseError(
      options.database,
      'is empty and another process is still creating its Optuna tables; try again',
    );
  }
  try {
    if ((await tableNames(connection)).size > 0) return; // the other instance made them
    for (const statement of optunaCreateStatements) await connection.query(statement);
    await connection.query(
      'INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)',
      [optunaSchemaVersion, options.libraryVersion],
    );
    await connection.query('INSERT INTO alembic_version (version_num) VALUES (?)', [optunaAlembicVersion]);
  } finally {
    await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
  }
}

/** Optuna's own acceptance check, plus "every table is there" (we never add missing ones). */
async function checkMysqlSchema(connection: PoolConnection, options: MysqlSchemaSetupOptions): Promise<void> {
  const tables = await tableNames(connection);
  if (!tables.has('alembic_version')) {
    throw new UnusableDatabaseError(options.database, 'is not an Optuna database (it has no alembic_version table)');
  }
  const [versions] = await connection.query<({ version_num: string } & RowDataPacket)[]>(
    'SELECT version_num FROM alembic_version',
  );
  if (versions.length !== 1 || versions[0]!.version_num !== optunaAlembicVersion) {
    const found = versions.map((row) => row.version_num).join(', ') || 'none';
    throw new UnusableDatabaseError(
      options.database,
      `has Optuna schema version ${found}, this server needs ${optunaAlembicVersion}: ` +
        `upgrade it with \`optuna storage upgrade --storage ${options.shownUrl}\` (Optuna >= 3.2)`,
    );
  }
  const missing = optunaTableNames.filter((name) => !tables.has(name));
  if (missing.length > 0) {
    throw new UnusableDatabaseError(
      options.database,
      `is an incomplete Optuna database (missing tables: ${missing.join(', ')})`,
    );
  }
  const [versionInfo] = await connection.query<({ schema_version: number } & RowDataPacket)[]>(
    'SELECT schema_version FROM version_info',
  );
  if (versionInfo.length !== 1 || versionInfo[0]!.schema_version !== optunaSchemaVersion) {
    throw new UnusableDatabaseError(
      options.database,
      `has an unexpected version_info (need exactly one row with schema_version ${optunaSchemaVersion})`,
    );
  }
}
