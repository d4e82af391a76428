// How a server database is named in messages: the URL without its password, which never
// appears in a log line, an error or `check`'s output.
import type { ServerDatabaseLocation } from '../../config/storage-url.js';

/**
 * `dialect[+driver]://user:***@host:port/database[?query]`: what `optuna storage upgrade --storage`
 * takes, password hidden. The driver and query stay: without `+pymysql`, SQLAlchemy would load
 * MySQLdb, which a user of PyMySQL does not have.
 */
export function redactedLocationUrl(location: ServerDatabaseLocation): string {
  const scheme = location.driver === null ? location.dialect : `${location.dialect}+${location.driver}`;
  const credentials =
    location.user === null ? '' : `${encodeURIComponent(location.user)}${location.password === null ? '' : ':***'}@`;
  const host = location.host === null ? '' : location.host.includes(':') ? `[${location.host}]` : location.host;
  const port = location.port === null ? '' : `:${location.port}`;
  const query = new URLSearchParams(location.query).toString();
  return `${scheme}://${credentials}${host}${port}/${encodeURIComponent(location.database)}${query ? `?${query}` : ''}`;
}
