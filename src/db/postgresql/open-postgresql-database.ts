// Opens an Optuna storage on PostgreSQL: the pool, the schema created or checked, and the
// shared server storage layer on top.
import type { ServerDatabaseLocation } from '../../config/storage-url.js';
import { describeError } from '../../error-text.js';
import type { Logger } from '../../logger.js';
import type { DatetimeZone } from '../../optuna/datetimes.js';
import { redactUrlPasswords } from '../../redact-secrets.js';
import { DatabaseUnavailableError, UnusableDatabaseError } from '../database-errors.js';
import { redactedLocationUrl } from '../server/location-text.js';
import { ServerOptunaDatabase } from '../server/server-database.js';
import {
  checkOptunaSchema,
  createOptunaSchemaIfEmpty,
  type PostgresqlSchemaSetupOptions,
} from './postgresql-schema-setup.js';
import { PostgresqlDialect } from './postgresql-dialect.js';

export interface OpenPostgresqlOptions {
  readonly: boolean;
  busyTimeoutMs: number;
  poolSize: number;
  datetimeZone: DatetimeZone;
  libraryVersion: string;
  logger: Logger;
}

/**
 * The Optuna storage in the PostgreSQL database at `location`.
 * @throws UnusableDatabaseError with one line (no password) when it cannot be reached or used
 */
export async function openPostgresqlDatabase(
  location: ServerDatabaseLocation,
  options: OpenPostgresqlOptions,
): Promise<ServerOptunaDatabase> {
  const name = `database "${location.database}"`;
  const dialect = new PostgresqlDialect(location, {
    poolSize: options.poolSize,
    connectTimeoutMs: options.busyTimeoutMs,
    readonly: options.readonly,
    logger: options.logger,
  });
  const database = new ServerOptunaDatabase(dialect, options);
  const setup: PostgresqlSchemaSetupOptions = {
    libraryVersion: options.libraryVersion,
    readonly: options.readonly,
    name,
    redactedUrl: redactedLocationUrl(location),
  };
  try {
    if (!options.readonly) await database.writeTransaction((db) => createOptunaSchemaIfEmpty(db, setup));
    await database.read((db) => checkOptunaSchema(db, setup));
    // The statements of opening are not the application's.
    database.statements.count = 0;
    return database;
  } catch (error) {
    await database.close().catch(() => undefined);
    if (error instanceof UnusableDatabaseError) throw error;
    // The operator is told what the driver said (a refused connection, a failed login).
    const reason = describeError(error instanceof DatabaseUnavailableError && error.cause ? error.cause : error);
    throw new UnusableDatabaseError(name, `cannot be opened: ${redactUrlPasswords(reason)}`, { cause: error });
  }
}
