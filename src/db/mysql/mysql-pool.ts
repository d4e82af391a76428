// The mysql2 connection pool for a `mysql[+driver]://` storage URL, configured so that the
// driver hands over what Optuna stored, unconverted: DATETIME as its naive text, ids as numbers.
import mysql from 'mysql2/promise';
import type { ServerDatabaseLocation } from '../../config/storage-url.js';

/**
 * The query parameters of a PyMySQL / mysqlclient URL this server understands. Any other is
 * refused: silently ignoring, say, an `ssl_ca` would connect without the TLS the user asked for.
 */
const acceptedQueryParameters = ['charset', 'unix_socket'] as const;

/** Optuna's documentation writes `?charset=utf8mb4`; without it PyMySQL would also use utf8mb4. */
const defaultCharset = 'utf8mb4';

export interface MysqlPoolSettings {
  /** Connections at most (--db-pool-size). */
  poolSize: number;
  /** How long opening a connection may take before the database counts as unavailable. */
  connectTimeoutMs: number;
}

/**
 * mysql2's options for `location`.
 * @throws Error with one line naming an unsupported query parameter
 */
export function mysqlPoolOptions(location: ServerDatabaseLocation, settings: MysqlPoolSettings): mysql.PoolOptions {
  const unknown = Object.keys(location.query).filter(
    (name) => !(acceptedQueryParameters as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `unsupported query parameter ${unknown.map((name) => `"${name}"`).join(', ')} ` +
        `(a MySQL storage URL accepts ${acceptedQueryParameters.join(' and ')})`,
    );
  }
  const socketPath = location.query.unix_socket;
  return {
    ...(socketPath === undefined
      ? { host: location.host ?? 'localhost', port: location.port ?? 3306 }
      : { socketPath }),
    user: location.user ?? undefined,
    password: location.password ?? undefined,
    database: location.database,
    charset: location.query.charset ?? defaultCharset,
    connectionLimit: settings.poolSize,
    maxIdle: settings.poolSize,
    // Idle connections are closed before a server's wait_timeout (8 h by default, often set
    // much lower by hosting providers) can drop them under us.
    idleTimeout: 60_000,
    enableKeepAlive: true,
    connectTimeout: settings.connectTimeoutMs,
    waitForConnections: true,
    queueLimit: 0,
    // DATETIME as the stored naive text: src/optuna/datetimes.ts decides its zone, not the driver.
    dateStrings: true,
    // count(*) is BIGINT and sum() DECIMAL: numbers, not strings (exact up to 2^53).
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    multipleStatements: false,
  };
}

export function createMysqlPool(location: ServerDatabaseLocation, settings: MysqlPoolSettings): mysql.Pool {
  return mysql.createPool(mysqlPoolOptions(location, settings));
}
