// One plain connection to a PostgreSQL or MySQL/MariaDB test database, opened from the
// SQLAlchemy URL Python users write (both drivers accept it as is), for test set-up and
// assertions: raw SQL in the dialect's own syntax.
import mysql from 'mysql2/promise';
import pg from 'pg';

export type Dialect = 'postgresql' | 'mysql';

export interface DatabaseConnection {
  dialect: Dialect;
  /** Rows of one statement; placeholders are the driver's own: `$1` (PostgreSQL), `?` (MySQL). */
  query<Row extends object = Record<string, unknown>>(statement: string, parameters?: unknown[]): Promise<Row[]>;
  /** `name` quoted as an identifier of the dialect. */
  quoteIdentifier(name: string): string;
  /** The placeholder of the `position`-th parameter (from 1). */
  placeholder(position: number): string;
  close(): Promise<void>;
}

export function dialectOf(url: string): Dialect {
  if (/^postgres(ql)?(\+\w+)?:/.test(url)) return 'postgresql';
  if (/^mysql(\+\w+)?:/.test(url)) return 'mysql';
  throw new Error(`not a PostgreSQL or MySQL URL: ${url}`);
}

export async function connectDatabase(url: string): Promise<DatabaseConnection> {
  if (dialectOf(url) === 'postgresql') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      dialect: 'postgresql',
      query: async <Row extends object>(statement: string, parameters: unknown[] = []) =>
        (await client.query<Row>(statement, parameters)).rows,
      quoteIdentifier: (name) => client.escapeIdentifier(name),
      placeholder: (position) => `$${position}`,
      close: () => client.end(),
    };
  }
  const connection = await mysql.createConnection(url);
  return {
    dialect: 'mysql',
    query: async <Row extends object>(statement: string, parameters: unknown[] = []) => {
      const [rows] = await connection.query(statement, parameters);
      return (Array.isArray(rows) ? rows : []) as Row[];
    },
    quoteIdentifier: (name) => connection.escapeId(name),
    placeholder: () => '?',
    close: () => connection.end(),
  };
}

/** Runs `work` on a connection of its own to `url`, closed afterwards whatever happens. */
export async function withConnection<Result>(
  url: string,
  work: (connection: DatabaseConnection) => Promise<Result>,
): Promise<Result> {
  const connection = await connectDatabase(url);
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}
