// Reads Optuna's RDB storage URL, written in SQLAlchemy syntax exactly as Optuna users write it.
import { redactUrlPasswords } from '../redact-secrets.js';

/**
 * The SQLite file a `sqlite:///relative.db` or `sqlite:////absolute/path.db` URL names.
 * SQLAlchemy's rule: what follows `sqlite:///` is the path, so a fourth slash makes it absolute.
 */
export function sqlitePathFromStorageUrl(url: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new Error(`storage URL "${url}" has no scheme; write it as Optuna does, e.g. sqlite:///optuna.db`);
  }
  if (
    scheme === 'postgresql' ||
    scheme.startsWith('postgresql+') ||
    scheme === 'mysql' ||
    scheme.startsWith('mysql+')
  ) {
    throw new Error(
      `storage URL "${redactUrlPasswords(url)}": only SQLite storage is supported in this version (sqlite:///path.db)`,
    );
  }
  if (scheme !== 'sqlite' && !scheme.startsWith('sqlite+')) {
    throw new Error(
      `storage URL "${redactUrlPasswords(url)}" is not an Optuna RDB URL; expected sqlite:///relative.db or sqlite:////absolute/path.db`,
    );
  }
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
