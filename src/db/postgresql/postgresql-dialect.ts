// PostgreSQL's side of the server storage layer (server/server-dialect.ts): a node-postgres pool
// whose values arrive as the shared modules read them, and the SQL fragments PostgreSQL writes
// its own way (arrays for IN lists, split_part, string_agg, ON CONFLICT, RETURNING).
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { ServerDatabaseLocation } from '../../config/storage-url.js';
import { describeError } from '../../error-text.js';
import type { Logger } from '../../logger.js';
import { redactUrlPasswords } from '../../redact-secrets.js';
import { UnusableDatabaseError } from '../database-errors.js';
import { onConflictUpdate } from '../sql-fragments.js';
import type {
  CompiledStatement,
  DriverConnection,
  DriverResult,
  ServerDialect,
  TransactionMode,
} from '../server/server-dialect.js';
import { classifyPostgresqlError } from './postgresql-errors.js';
import { PostgresqlArtifactWriteChannel } from './postgresql-listener.js';

export interface PostgresqlPoolOptions {
  /** Connections at most. */
  poolSize: number;
  /** How long taking a connection may wait (a full pool, a server that does not answer). */
  connectTimeoutMs: number;
  /** Every transaction of the session is READ ONLY (for `check`). */
  readonly: boolean;
  logger: Logger;
}

/**
 * Values as the shared modules need them: `timestamp [with time zone]` as the stored text (as a
 * Date, node-postgres reads a naive value in the process's zone and drops the microseconds),
 * bigint (COUNT) and numeric as numbers (Optuna's ids and counts fit a double exactly).
 */
const valueParsers = new Map<number, (text: string) => unknown>([
  [1114, (text) => text], // timestamp without time zone
  [1184, (text) => text], // timestamp with time zone
  [20, Number], // int8
  [1700, Number], // numeric
]);

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    valueParsers.get(oid) ?? pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** The URL query parameters libpq (and so psycopg2) takes that this driver honours too. */
function connectionSettings(location: ServerDatabaseLocation, readonly: boolean): pg.PoolConfig {
  const {
    sslmode,
    host,
    application_name: applicationName,
    options,
    connect_timeout: _timeout,
    ...unknown
  } = location.query;
  const unsupported = Object.keys(unknown);
  if (unsupported.length > 0) {
    throw new UnusableDatabaseError(
      `database "${location.database}"`,
      `cannot be opened: unsupported URL parameter(s) ${unsupported.join(', ')} (supported: sslmode, host, application_name, options, connect_timeout)`,
    );
  }
  // A session setting of this server's connections only; nothing is changed in the database.
  const sessionOptions = [options, readonly ? '-c default_transaction_read_only=on' : undefined].filter(Boolean);
  return {
    host: location.host ?? host,
    port: location.port ?? undefined,
    user: location.user ?? undefined,
    password: location.password ?? undefined,
    database: location.database,
    application_name: applicationName ?? 'optuna-artifacts-graphql',
    options: sessionOptions.length > 0 ? sessionOptions.join(' ') : undefined,
    ssl: sslSetting(sslmode),
    keepAlive: true,
    types,
  };
}

/** libpq's sslmode: disable/allow/prefer connect in plain text here, require encrypts, verify-* also checks the certificate. */
function sslSetting(sslmode: string | undefined): pg.PoolConfig['ssl'] {
  if (sslmode === undefined || sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer') return undefined;
  if (sslmode === 'require') return { rejectUnauthorized: false };
  return true;
}

export class PostgresqlDialect implements ServerDialect {
  readonly name = 'postgresql';
  readonly maxTextBytes = null;
  /** Optuna's id columns are 32-bit INTEGERs. */
  readonly maxId = 2_147_483_647;
  private readonly drizzleDialect = new PgDialect();
  private readonly pool: pg.Pool;
  readonly artifactWrites: PostgresqlArtifactWriteChannel;

  constructor(location: ServerDatabaseLocation, options: PostgresqlPoolOptions) {
    // LISTEN is refused in a read-only session: the listening connection is never read-only.
    this.artifactWrites = new PostgresqlArtifactWriteChannel(connectionSettings(location, false), options.logger);
    this.pool = new pg.Pool({
      ...connectionSettings(location, options.readonly),
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
    });
    // A connection the server closes (restart, idle timeout) emits 'error'; unheard, it would
    // end the process. The pool drops an idle one by itself; a checked-out one fails its next
    // statement, which the runner sees.
    const reportBroken = (error: Error) =>
      options.logger.warn('a PostgreSQL connection broke', { error: redactUrlPasswords(describeError(error)) });
    this.pool.on('error', reportBroken);
    this.pool.on('connect', (client) => client.on('error', reportBroken));
  }

  compile(query: SQL): CompiledStatement {
    const { sql: text, params } = this.drizzleDialect.sqlToQuery(query);
    return { sql: text, params };
  }

  async connect(): Promise<DriverConnection> {
    const client = await this.pool.connect();
    return {
      async query(statement): Promise<DriverResult> {
        const result = await client.query<unknown[]>({
          text: statement.sql,
          values: statement.params,
          rowMode: 'array',
        });
        return {
          rows: result.rows,
          columns: result.fields.map((field) => field.name),
          affectedRows: result.rowCount ?? 0,
          insertId: null,
        };
      },
      release: (broken) => client.release(broken ? true : undefined),
    };
  }

  beginStatements(mode: TransactionMode): readonly string[] {
    switch (mode) {
      case 'read':
        return [];
      case 'snapshot':
        return ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'];
      case 'write':
        // READ COMMITTED, PostgreSQL's default and what Optuna runs in.
        return ['BEGIN'];
    }
  }

  classifyError = classifyPostgresqlError;

  end(): Promise<void> {
    return this.pool.end();
  }

  inList(expression: SQL, values: readonly (number | string)[]): SQL {
    // An empty array has no element type to tell text from numbers: nothing matches anyway.
    if (values.length === 0) return sql`FALSE`;
    // Enum columns do not compare with text parameters: compare as text then.
    if (typeof values[0] === 'string') return sql`${expression}::text = ANY(${sql.param(values)}::text[])`;
    return sql`${expression} = ANY(${sql.param(values)}::int8[])`;
  }

  inPairs(first: SQL, second: SQL, pairs: readonly (readonly [number, number])[]): SQL {
    const firsts = pairs.map(([value]) => value);
    const seconds = pairs.map(([, value]) => value);
    return sql`(${first}, ${second}) IN (SELECT * FROM unnest(${sql.param(firsts)}::int8[], ${sql.param(seconds)}::int8[]))`;
  }

  containsText(text: SQL, part: string): SQL {
    // SQLite's LIKE: ASCII letters match either case, every other character only itself.
    const pattern = `%${lowerAscii(part).replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    return sql`translate(${text}, ${upperLetters}, ${lowerLetters}) LIKE ${pattern} ESCAPE '\\'`;
  }

  startsWith(text: SQL, prefix: string): SQL {
    // An equality compares exactly whatever the database's collation (a range would not).
    return sql`left(${text}, ${prefix.length}) = ${prefix}`;
  }

  textBefore(text: SQL, delimiter: string): SQL {
    return sql`split_part(${text}, ${delimiter}, 1)`;
  }

  textAfter(text: SQL, delimiter: string): SQL {
    return sql`substr(${text}, strpos(${text}, ${delimiter}) + 1)`;
  }

  leadingInteger(text: SQL): SQL {
    return sql`coalesce(CAST(substring(${text} FROM '^[0-9]{1,9}') AS INTEGER), 0)`;
  }

  joinedInOrder(value: SQL, orderBy: SQL): SQL {
    return sql`string_agg(${value}::text, ',' ORDER BY ${orderBy})`;
  }

  upsert(insert: SQL, conflictColumns: readonly string[], updateColumns: readonly string[]): SQL {
    return onConflictUpdate(insert, conflictColumns, updateColumns);
  }

  returningId(insert: SQL, idColumn: string): SQL {
    return sql`${insert} RETURNING ${sql.identifier(idColumn)}`;
  }
}

const upperLetters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lowerLetters = upperLetters.toLowerCase();
const lowerAscii = (text: string): string => text.replace(/[A-Z]/g, (char) => char.toLowerCase());
