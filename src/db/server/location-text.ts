// How a server database is named in messages: the URL without its password, which never
// appears in a log line, an error or `check`'s output.
import type { ServerDatabaseLocation } from '../../config/storage-url.js';

/** `dialect://user:***@host:port/database`: what `optuna storage upgrade --storage` takes, password hidden. */
export function redactedLocationUrl(location: ServerDatabaseLocation): string {
  const credentials =
    location.user === null ? '' : `${encodeURIComponent(location.user)}${location.password === null ? '' : ':***'}@`;
  const host = location.host === null ? '' : location.host.includes(':') ? `[${location.host}]` : location.host;
  const port = location.port === null ? '' : `:${location.port}`;
  return `${location.dialect}://${credentials}${host}${port}/${encodeURIComponent(location.database)}`;
}
