// Opening a MySQL / MariaDB storage: the pool, one first connection that creates or checks
// Optuna's schema, then the dialect the shared server storage layer runs on.
import type { ServerDatabaseLocation } from '../../config/storage-url.js';
import { describeError } from '../../error-text.js';
import type { Logger } from '../../logger.js';
import type { DatetimeZone } from '../../optuna/datetimes.js';
import { redactUrlPasswords } from '../../redact-secrets.js';
import { UnusableDatabaseError } from '../database-errors.js';
import { ServerOptunaDatabase } from '../server/server-database.js';
import { MysqlServerDialect } from './mysql-dialect.js';
import { createMysqlPool } from './mysql-pool.js';
import { ensureMysqlSchema } from './mysql-schema-setup.js';

export interface OpenMysqlOptions {
  readonly: boolean;
  busyTimeoutMs: number;
  poolSize: number;
  libraryVersion: string;
}

export interface OpenMysqlDatabaseOptions extends OpenMysqlOptions {
  datetimeZone: DatetimeZone;
  logger: Logger;
}

/**
 * The URL `location` was read from, as a user would write it again, password hidden (for
 * messages that tell what to run on the database).
 */
export function shownStorageUrl(location: ServerDatabaseLocation): string {
  const scheme = location.driver === null ? location.dialect : `${location.dialect}+${location.driver}`;
  const user = location.user === null ? '' : encodeURIComponent(location.user);
  const credentials = location.user === null ? '' : `${user}${location.password === null ? '' : ':***'}@`;
  const host = location.host === null ? '' : location.host.includes(':') ? `[${location.host}]` : location.host;
  const port = location.port === null ? '' : `:${location.port}`;
  const query = new URLSearchParams(location.query).toString();
  return `${scheme}://${credentials}${host}${port}/${encodeURIComponent(location.database)}${query ? `?${query}` : ''}`;
}

/**
 * Connects to the database at `location` and makes sure it is an Optuna storage (see
 * mysql-schema-setup.ts).
 * @throws UnusableDatabaseError with one line (never the password) when it cannot be used
 */
export async function openMysqlDialect(
  location: ServerDatabaseLocation,
  options: OpenMysqlOptions,
): Promise<MysqlServerDialect> {
  let pool;
  try {
    pool = createMysqlPool(location, { poolSize: options.poolSize, connectTimeoutMs: options.busyTimeoutMs });
  } catch (error) {
    throw new UnusableDatabaseError(location.database, describeError(error), { cause: error });
  }
  try {
    const connection = await pool.getConnection().catch((error: unknown) => {
      throw new UnusableDatabaseError(
        location.database,
        `cannot be reached: ${redactUrlPasswords(describeError(error))}`,
        { cause: error },
      );
    });
    try {
      await ensureMysqlSchema(connection, {
        database: location.database,
        shownUrl: shownStorageUrl(location),
        libraryVersion: options.libraryVersion,
        readonly: options.readonly,
        lockTimeoutMs: options.busyTimeoutMs,
      });
    } finally {
      connection.release();
    }
  } catch (error) {
    await pool.end();
    if (error instanceof UnusableDatabaseError) throw error;
    throw new UnusableDatabaseError(
      location.database,
      `cannot be opened as an Optuna database: ${redactUrlPasswords(describeError(error))}`,
      { cause: error },
    );
  }
  return new MysqlServerDialect(pool, { readonly: options.readonly, lockWaitTimeoutMs: options.busyTimeoutMs });
}

/**
 * The Optuna storage at `location` on the shared server storage layer.
 * @throws UnusableDatabaseError as openMysqlDialect
 */
export async function openMysqlDatabase(
  location: ServerDatabaseLocation,
  options: OpenMysqlDatabaseOptions,
): Promise<ServerOptunaDatabase> {
  const dialect = await openMysqlDialect(location, options);
  return new ServerOptunaDatabase(dialect, {
    busyTimeoutMs: options.busyTimeoutMs,
    logger: options.logger,
    datetimeZone: options.datetimeZone,
  });
}
