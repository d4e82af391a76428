// The password-protected user the tests connect as on the private PostgreSQL and MariaDB
// servers, and the SQLAlchemy-style URLs Python users write for it.

/**
 * `@`, `/`, `:` and `%` must be %-escaped in a URL: a URL parser that forgets to decode
 * (or decodes twice) fails to log in.
 */
export const databaseUser = { name: 'optuna_test', password: 'p@ss/w:rd%' } as const;

/** E.g. `postgresql+psycopg2://optuna_test:p%40ss%2Fw%3Ard%25@127.0.0.1:5432/db`. */
export function sqlalchemyUrl(scheme: string, port: number, database: string, query = ''): string {
  const credentials = `${encodeURIComponent(databaseUser.name)}:${encodeURIComponent(databaseUser.password)}`;
  return `${scheme}://${credentials}@127.0.0.1:${port}/${database}${query}`;
}
