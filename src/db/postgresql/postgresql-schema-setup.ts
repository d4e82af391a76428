// Making sure a PostgreSQL database is an Optuna storage this server can use: an empty one gets
// exactly what Optuna 5 creates (optuna-ddl.ts) in one transaction, under an advisory lock so
// that several servers starting together create it once; an existing one is only checked,
// never altered.
import { sql } from 'drizzle-orm';
import { UnusableDatabaseError } from '../database-errors.js';
import { optunaAlembicVersion, optunaSchemaVersion, optunaTableNames } from '../optuna-ddl.js';
import type { ServerSql } from '../server/server-sql.js';
import { optunaCreateStatements } from './optuna-ddl.js';

export interface PostgresqlSchemaSetupOptions {
  /** Written to `version_info.library_version` of a database this server creates. */
  libraryVersion: string;
  /** Only check: an empty database is refused. */
  readonly: boolean;
  /** The database in messages (`database "name"`). */
  name: string;
  /** The URL, password hidden, for the `optuna storage upgrade` hint. */
  redactedUrl: string;
}

/** Any fixed number: the key of the advisory lock creators of Optuna's schema take (transaction-scoped). */
const schemaCreationLockKey = 7_305_111_802;

async function tableNames(db: ServerSql): Promise<Set<string>> {
  const rows = await db.values<[string]>(
    sql`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
  );
  return new Set(rows.map(([name]) => name));
}

/** Creates the schema if the database is empty (run in a write transaction). */
export async function createOptunaSchemaIfEmpty(db: ServerSql, options: PostgresqlSchemaSetupOptions): Promise<void> {
  if ((await tableNames(db)).size > 0) return;
  if (options.readonly)
    throw new UnusableDatabaseError(options.name, 'is empty, not an Optuna database (opened read-only)');
  // Another server may be creating it right now: wait for it, then look again.
  await db.values(sql`SELECT pg_advisory_xact_lock(${schemaCreationLockKey})`);
  if ((await tableNames(db)).size > 0) return;
  for (const statement of optunaCreateStatements) await db.run(sql.raw(statement));
  await db.run(
    sql`INSERT INTO version_info (version_info_id, schema_version, library_version)
      VALUES (1, ${optunaSchemaVersion}, ${options.libraryVersion})`,
  );
  await db.run(sql`INSERT INTO alembic_version (version_num) VALUES (${optunaAlembicVersion})`);
}

/** Optuna's own acceptance check, plus "every table is there" (missing ones are never added). */
export async function checkOptunaSchema(db: ServerSql, options: PostgresqlSchemaSetupOptions): Promise<void> {
  const tables = await tableNames(db);
  if (!tables.has('alembic_version')) {
    throw new UnusableDatabaseError(options.name, 'is not an Optuna database (it has no alembic_version table)');
  }
  const versions = (await db.values<[string]>(sql`SELECT version_num FROM alembic_version`)).map(
    ([version]) => version,
  );
  if (versions.length !== 1 || versions[0] !== optunaAlembicVersion) {
    throw new UnusableDatabaseError(
      options.name,
      `has Optuna schema version ${versions.join(', ') || 'none'}, this server needs ${optunaAlembicVersion}: ` +
        `upgrade it with \`optuna storage upgrade --storage ${options.redactedUrl}\` (Optuna >= 3.2)`,
    );
  }
  const missing = optunaTableNames.filter((name) => !tables.has(name));
  if (missing.length > 0) {
    throw new UnusableDatabaseError(
      options.name,
      `is an incomplete Optuna database (missing tables: ${missing.join(', ')})`,
    );
  }
  const schemaVersions = await db.values<[number | null]>(sql`SELECT schema_version FROM version_info`);
  if (schemaVersions.length !== 1 || schemaVersions[0]![0] !== optunaSchemaVersion) {
    throw new UnusableDatabaseError(
      options.name,
      `has an unexpected version_info (need exactly one row with schema_version ${optunaSchemaVersion})`,
    );
  }
}
