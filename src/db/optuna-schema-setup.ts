// Making sure the SQLite file is an Optuna storage this server can use: create a fresh one
// exactly as Optuna would, or check an existing one WITHOUT changing it.
import type Database from 'better-sqlite3';
import { UnusableDatabaseError } from './database-errors.js';
import { optunaAlembicVersion, optunaCreateStatements, optunaSchemaVersion, optunaTableNames } from './optuna-ddl.js';

export interface SchemaSetupOptions {
  /** Written to `version_info.library_version` of a database this server creates. */
  libraryVersion: string;
  /** A read-only connection may only check. */
  readonly: boolean;
}

function tableNames(connection: Database.Database): Set<string> {
  const rows = connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return new Set(rows.map((row) => row.name));
}

/**
 * Creates Optuna's tables in an empty database, or checks an existing one. Runs on the raw
 * connection before drizzle is set up: these statements are not application queries.
 */
export function ensureOptunaSchema(connection: Database.Database, path: string, options: SchemaSetupOptions): void {
  if (tableNames(connection).size === 0) {
    if (options.readonly) throw new UnusableDatabaseError(path, `is empty, not an Optuna database (opened read-only)`);
    // IMMEDIATE: a second process creating the same file waits here, then sees the tables.
    connection
      .transaction(() => {
        if (tableNames(connection).size > 0) return;
        for (const statement of optunaCreateStatements) connection.prepare(statement).run();
        connection
          .prepare('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)')
          .run(optunaSchemaVersion, options.libraryVersion);
        connection.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(optunaAlembicVersion);
      })
      .immediate();
  }
  checkOptunaSchema(connection, path);
}

/** Optuna's own acceptance check, plus "every table is there" (we never add missing ones). */
function checkOptunaSchema(connection: Database.Database, path: string): void {
  const tables = tableNames(connection);
  if (!tables.has('alembic_version')) {
    throw new UnusableDatabaseError(path, `is not an Optuna database (it has no alembic_version table)`);
  }
  const versions = connection.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[];
  const found = versions.map((row) => row.version_num).join(', ') || 'none';
  if (versions.length !== 1 || versions[0]!.version_num !== optunaAlembicVersion) {
    throw new UnusableDatabaseError(
      path,
      `has Optuna schema version ${found}, this server needs ${optunaAlembicVersion}: ` +
        `upgrade it with \`optuna storage upgrade --storage sqlite:///${path}\` (Optuna >= 3.2)`,
    );
  }
  const missing = optunaTableNames.filter((name) => !tables.has(name));
  if (missing.length > 0) {
    throw new UnusableDatabaseError(path, `is an incomplete Optuna database (missing tables: ${missing.join(', ')})`);
  }
  const versionInfo = connection.prepare('SELECT schema_version FROM version_info').all() as {
    schema_version: number;
  }[];
  if (versionInfo.length !== 1 || versionInfo[0]!.schema_version !== optunaSchemaVersion) {
    throw new UnusableDatabaseError(
      path,
      `has an unexpected version_info (need exactly one row with schema_version ${optunaSchemaVersion})`,
    );
  }
}
