// The MySQL / MariaDB side of the server storage layer (src/db/server): the mysql2 pool, how
// its transactions start, what its errors mean, and the SQL fragments in MySQL's syntax. Written
// for MariaDB >= 10.2 (window functions; tested on 10.11) and MySQL 8: no RETURNING (MySQL
// lacks it), ids come from insertId.
import { sql, type SQL } from 'drizzle-orm';
import { MySqlDialect as DrizzleMysqlDialect } from 'drizzle-orm/mysql-core';
import type { FieldPacket, Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import type {
  CompiledStatement,
  DriverConnection,
  DriverResult,
  ServerDialect,
  ServerErrorKind,
  TransactionMode,
} from '../server/server-dialect.js';
import { classifyMysqlError } from './mysql-errors.js';

/** MySQL's TEXT holds at most 2^16 - 1 bytes; utf8mb4 counts bytes, not characters. */
const textMaxBytes = 65_535;

/** LIKE's escape character: not the backslash, whose meaning in literals depends on sql_mode. */
const likeEscape = '!';
const escapeLike = (text: string): string => text.replace(/[!%_]/g, (char) => `${likeEscape}${char}`);

const drizzleDialect = new DrizzleMysqlDialect();

/** Connections of one pool; `readonly` (for `check`) makes every write transaction READ ONLY. */
export class MysqlServerDialect implements ServerDialect {
  readonly name = 'mysql';
  readonly maxTextBytes = textMaxBytes;
  /** Optuna's id columns are 32-bit INTEGERs. */
  readonly maxId = 2_147_483_647;
  /** MySQL has no LISTEN / NOTIFY: other instances' writes are found by the looks at --watch-interval. */
  readonly artifactWrites = null;

  /** The physical connections whose session is set up already (see `connect`). */
  private readonly preparedSessions = new WeakSet<object>();

  constructor(
    private readonly pool: Pool,
    private readonly options: {
      /** Opened for `check`: every write transaction is READ ONLY. */
      readonly: boolean;
      /** How long a statement waits for a row lock another client holds (InnoDB's default is 50 s). */
      lockWaitTimeoutMs: number;
    },
  ) {}

  compile(query: SQL): CompiledStatement {
    const { sql: text, params } = drizzleDialect.sqlToQuery(query);
    return { sql: text, params };
  }

  async connect(): Promise<DriverConnection> {
    const connection = await this.pool.getConnection();
    if (!this.preparedSessions.has(connection.connection)) {
      try {
        // A session variable: gone with the connection, nothing of the database changes.
        await connection.query('SET SESSION innodb_lock_wait_timeout = ?', [
          Math.max(1, Math.ceil(this.options.lockWaitTimeoutMs / 1000)),
        ]);
      } catch (error) {
        connection.destroy();
        throw error;
      }
      this.preparedSessions.add(connection.connection);
    }
    return {
      query: (statement) => runStatement(connection, statement),
      release: (broken) => (broken ? connection.destroy() : connection.release()),
    };
  }

  beginStatements(mode: TransactionMode): readonly string[] {
    switch (mode) {
      case 'read':
        return [];
      case 'snapshot':
        // SET TRANSACTION applies to the next transaction only: nothing of the session persists.
        return [
          'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
          'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
        ];
      case 'write':
        // The server's default isolation, as Optuna's own transactions run.
        return [this.options.readonly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION'];
    }
  }

  classifyError(error: unknown): ServerErrorKind {
    switch (classifyMysqlError(error)) {
      case 'retry':
        return 'retry-transaction';
      case 'unavailable':
        return 'connection';
      case 'other':
        return 'other';
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  // An expanded list, as SQLAlchemy writes it: MySQL plans `IN (…)` of constants as index
  // ranges, and the text protocol prepares nothing, so a statement text per length costs nothing.
  inList(expression: SQL, values: readonly (number | string)[]): SQL {
    if (values.length === 0) return sql`FALSE`;
    return sql`${expression} IN (${sql.join(
      values.map((value) => sql`${value}`),
      sql`, `,
    )})`;
  }

  inPairs(first: SQL, second: SQL, pairs: readonly (readonly [number, number])[]): SQL {
    if (pairs.length === 0) return sql`FALSE`;
    return sql`(${first}, ${second}) IN (${sql.join(
      pairs.map(([a, b]) => sql`(${a}, ${b})`),
      sql`, `,
    )})`;
  }

  // The column's collation decides (utf8mb4_general_ci on Optuna's tables: case-insensitive),
  // as it does for every other comparison MySQL users of Optuna see.
  containsText(text: SQL, part: string): SQL {
    return sql`${text} LIKE ${`%${escapeLike(part)}%`} ESCAPE ${likeEscape}`;
  }

  // The collation's LIKE can use the index; the byte comparison makes it exact, as Optuna's
  // `key.startswith("artifacts:")` is, where utf8mb4_general_ci would also take `ARTIFACTS:`.
  startsWith(text: SQL, prefix: string): SQL {
    const pattern = `${escapeLike(prefix)}%`;
    return sql`(${text} LIKE ${pattern} ESCAPE ${likeEscape}
      AND CAST(${text} AS BINARY) LIKE CAST(${pattern} AS BINARY) ESCAPE ${likeEscape})`;
  }

  textBefore(text: SQL, delimiter: string): SQL {
    return sql`SUBSTRING_INDEX(${text}, ${delimiter}, 1)`;
  }

  textAfter(text: SQL, delimiter: string): SQL {
    return sql`IF(LOCATE(${delimiter}, ${text}) = 0, ${text},
      SUBSTRING(${text}, LOCATE(${delimiter}, ${text}) + ${delimiter.length}))`;
  }

  // Not CAST(text AS SIGNED) alone: on junk it warns, and strict mode turns that warning into
  // an error inside a write statement.
  leadingInteger(text: SQL): SQL {
    return sql`CAST(COALESCE(NULLIF(REGEXP_SUBSTR(${text}, '^[[:space:]]*[-+]?[0-9]+'), ''), '0') AS SIGNED)`;
  }

  joinedInOrder(value: SQL, orderBy: SQL): SQL {
    return sql`GROUP_CONCAT(${value} ORDER BY ${orderBy} SEPARATOR ',')`;
  }

  // As Optuna's MySQL dialect writes it (VALUES() is what MariaDB knows; MySQL 8 still accepts it).
  upsert(insert: SQL, _conflictColumns: readonly string[], updateColumns: readonly string[]): SQL {
    const assignments = updateColumns.map(
      (column) => sql`${sql.identifier(column)} = VALUES(${sql.identifier(column)})`,
    );
    return sql`${insert} ON DUPLICATE KEY UPDATE ${sql.join(assignments, sql`, `)}`;
  }

  /** MySQL 8 has no RETURNING: the new id is the insertId of the result. */
  returningId(insert: SQL): SQL {
    return insert;
  }
}

async function runStatement(connection: PoolConnection, statement: CompiledStatement): Promise<DriverResult> {
  const [result, fields] = (await connection.query({
    sql: statement.sql,
    values: statement.params,
    rowsAsArray: true,
  })) as [unknown[][] | ResultSetHeader, FieldPacket[] | undefined];
  if (Array.isArray(result)) {
    return { rows: result, columns: (fields ?? []).map((field) => field.name), affectedRows: 0, insertId: null };
  }
  return {
    rows: [],
    columns: [],
    affectedRows: result.affectedRows,
    // 0 when the statement generated no id.
    insertId: result.insertId === 0 ? null : result.insertId,
  };
}
