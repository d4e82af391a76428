// Reads Optuna's RDB storage URL, written in SQLAlchemy syntax exactly as Optuna users pass it to
// `create_study(storage=…)`: sqlite:///path.db, postgresql[+driver]://user:pass@host:port/db,
// mysql[+driver]://user:pass@host:port/db?charset=utf8mb4. Errors never echo a password.
import { redactUrlPasswords } from '../redact-secrets.js';

/** A SQLite file; `path` is as written (relative paths are resolved by whoever opens it). */
export interface SqliteLocation {
  dialect: 'sqlite';
  path: string;
}

/** A database on a PostgreSQL or MySQL / MariaDB server. */
export interface ServerDatabaseLocation {
  dialect: 'postgresql' | 'mysql';
  /** SQLAlchemy's driver suffix (`psycopg2`, `pymysql`, …); it names a Python driver, so it only tells what users wrote. */
  driver: string | null;
  /** Host name or address (IPv6 without brackets); null when the URL names none (the driver's default, or `?host=`). */
  host: string | null;
  port: number | null;
  /** %-decoded. */
  user: string | null;
  /** %-decoded; never log it. */
  password: string | null;
  /** %-decoded. */
  database: string;
  /** The query parameters, %-decoded (`charset`, `sslmode`, `host`, `unix_socket`, …); the adapter decides which it accepts. */
  query: Record<string, string>;
}

export type DatabaseLocation = SqliteLocation | ServerDatabaseLocation;

/**
 * The database a storage URL names.
 * @throws Error with one line that names the URL (password hidden) and what is wrong with it
 */
export function parseStorageUrl(url: string): DatabaseLocation {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new Error(`storage URL "${url}" has no scheme; write it as Optuna does, e.g. sqlite:///optuna.db`);
  }
  const [dialect = '', driver = null] = scheme.split('+', 2);
  if (dialect === 'sqlite') return { dialect, path: sqlitePath(url, scheme) };
  if (dialect === 'postgresql' || dialect === 'postgres' || dialect === 'mysql' || dialect === 'mariadb') {
    return serverLocation(url, dialect === 'postgresql' || dialect === 'postgres' ? 'postgresql' : 'mysql', driver);
  }
  throw new Error(
    `storage URL "${redactUrlPasswords(url)}" is not an Optuna RDB URL; expected sqlite:///path.db, ` +
      'postgresql://user:password@host:port/database or mysql://user:password@host:port/database',
  );
}

/**
 * The SQLite file a `sqlite:///relative.db` or `sqlite:////absolute/path.db` URL names.
 * SQLAlchemy's rule: what follows `sqlite:///` is the path, so a fourth slash makes it absolute.
 */
function sqlitePath(url: string, scheme: string): string {
  const rest = url.slice(scheme.length + 1);
  if (!rest.startsWith('///')) {
    throw new Error(
      `storage URL "${url}" needs three slashes before the path: sqlite:///relative.db or sqlite:////absolute/path.db`,
    );
  }
  const pathWithQuery = rest.slice(3);
  if (pathWithQuery.includes('?')) {
    throw new Error(`storage URL "${url}": query parameters are not supported`);
  }
  const path = decodeURIComponent(pathWithQuery);
  if (path === '' || path === ':memory:') {
    throw new Error(`storage URL "${url}" names no file; an in-memory database would lose every artifact's metadata`);
  }
  if (path.includes('\0')) {
    throw new Error(`storage URL "${url}" contains a NUL character`);
  }
  return path;
}

/**
 * SQLAlchemy's `make_url`: `dialect[+driver]://[user[:password]@][host][:port]/database[?query]`.
 * The password runs to the LAST `@` of the authority, so an unescaped `@` in it still works,
 * as it does in SQLAlchemy.
 */
function serverLocation(url: string, dialect: 'postgresql' | 'mysql', driver: string | null): ServerDatabaseLocation {
  const shown = redactUrlPasswords(url);
  const match = /^[^:]+:\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url);
  if (!match)
    throw new Error(`storage URL "${shown}" is not of the form ${dialect}://user:password@host:port/database`);
  const [, authority = '', databaseText = '', queryText = ''] = match;
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? null : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  let user: string | null = null;
  let password: string | null = null;
  if (credentials !== null) {
    const colon = credentials.indexOf(':');
    user = decodeComponent(colon === -1 ? credentials : credentials.slice(0, colon), shown, 'user name');
    password = colon === -1 ? null : decodeComponent(credentials.slice(colon + 1), shown, 'password');
  }
  const hostMatch = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d*))?$/.exec(hostPort);
  if (!hostMatch) throw new Error(`storage URL "${shown}": cannot read the host and port "${hostPort}"`);
  const [, ipv6, name, portText] = hostMatch;
  const host = ipv6 ?? (name ? decodeComponent(name, shown, 'host') : null);
  let port: number | null = null;
  if (portText) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`storage URL "${shown}": the port must be 1…65535, got ${portText}`);
    }
  }
  const database = decodeComponent(databaseText, shown, 'database name');
  if (database === '') throw new Error(`storage URL "${shown}" names no database (…/database after the host)`);
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(queryText)) query[key] = value;
  return { dialect, driver, host, port, user, password, database, query };
}

function decodeComponent(text: string, shownUrl: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`storage URL "${shownUrl}": the ${what} has a broken %-escape`);
  }
}
