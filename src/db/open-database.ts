// Opens the database a storage URL names, on its dialect's adapter. The one place that knows
// which adapters exist; everything else holds an OptunaDatabase.
import type { DatabaseLocation } from '../config/storage-url.js';
import { logger as processLogger, type Logger } from '../logger.js';
import { DatetimeZone } from '../optuna/datetimes.js';
import { openMysqlDatabase } from './mysql/open-mysql.js';
import type { OptunaDatabase } from './optuna-database.js';
import { openOptunaDatabase } from './sqlite-database.js';
import { openPostgresqlDatabase } from './postgresql/open-postgresql-database.js';

export interface OpenDatabaseOptions {
  /**
   * Open read-only: the database must exist and already be an Optuna database; writes fail.
   * @default false
   */
  readonly?: boolean;
  /**
   * How long a statement waits for the database (a lock another process holds, a connection
   * from the pool, a server that does not answer) before it fails with DATABASE_UNAVAILABLE.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /** Connections per process on PostgreSQL / MySQL (SQLite has one). @default 10 */
  poolSize?: number;
  /** The zone of Optuna's naive DATETIME columns. @default DatetimeZone.utc (Optuna >= 5) */
  datetimeZone?: DatetimeZone;
  /**
   * `version_info.library_version` of a database this server creates.
   * @default 'optuna-artifacts-graphql'
   */
  libraryVersion?: string;
  /** Where skipped (malformed) rows and connection trouble are reported. @default the server's logger */
  logger?: Logger;
}

/**
 * The Optuna database at `location` (a SQLite path must already be resolved). An empty one gets
 * the schema Optuna creates on that dialect; an existing one is checked and used as it is.
 * @throws UnusableDatabaseError with one line when it cannot be opened or is not a usable Optuna database
 */
export async function openDatabase(
  location: DatabaseLocation,
  options: OpenDatabaseOptions = {},
): Promise<OptunaDatabase> {
  const datetimeZone = options.datetimeZone ?? DatetimeZone.utc;
  switch (location.dialect) {
    case 'sqlite':
      return Promise.resolve(openOptunaDatabase(location.path, { ...options, datetimeZone }));
    case 'postgresql':
      return openPostgresqlDatabase(location, serverDatabaseOptions(options, datetimeZone));
    case 'mysql':
      return openMysqlDatabase(location, serverDatabaseOptions(options, datetimeZone));
  }
}

/** The options of a server database (PostgreSQL, MySQL) with their defaults filled in. */
function serverDatabaseOptions(options: OpenDatabaseOptions, datetimeZone: DatetimeZone) {
  return {
    readonly: options.readonly ?? false,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    poolSize: options.poolSize ?? 10,
    datetimeZone,
    libraryVersion: options.libraryVersion ?? 'optuna-artifacts-graphql',
    logger: options.logger ?? processLogger,
  };
}
