// What the server write modules and the shared read modules (src/db/queries) run SQL on: one
// connection inside a unit of work of transaction-runner.ts. Statements are drizzle `sql`
// templates, compiled by the dialect, and every one is counted (StatementCounter: tests pin
// statement counts per request).
import type { SQL } from 'drizzle-orm';
import type { QuerySql } from '../queries/query-sql.js';
import type { SqlFragments } from '../sql-fragments.js';
import type { StatementCounter } from '../statement-counter.js';
import type { DriverConnection, DriverResult, ServerDialect } from './server-dialect.js';

export class ServerSql implements QuerySql {
  /** The dialect's read fragments (the dialect itself). */
  readonly fragments: SqlFragments;

  constructor(
    /** The dialect, for the write modules' statements (upserts, notices). */
    readonly dialect: ServerDialect,
    private readonly connection: DriverConnection,
    private readonly statements: StatementCounter,
  ) {
    this.fragments = dialect;
  }

  /** Rows as arrays of column values, in select order (the cheapest form). */
  async values<Row extends unknown[]>(query: SQL): Promise<Row[]> {
    return (await this.execute(query)).rows as Row[];
  }

  /** Rows as objects keyed by column name (alias). */
  async rows<Row extends object>(query: SQL): Promise<Row[]> {
    const { rows, columns } = await this.execute(query);
    return rows.map((values) => Object.fromEntries(columns.map((column, index) => [column, values[index]])) as Row);
  }

  /** The first row as an object; undefined when there is none. */
  async get<Row extends object>(query: SQL): Promise<Row | undefined> {
    return (await this.rows<Row>(query))[0];
  }

  /** Runs a statement without a result; how many rows it changed. */
  async run(query: SQL): Promise<number> {
    return (await this.execute(query)).affectedRows;
  }

  /** Runs an INSERT of one row; the id the database gave it in `idColumn`. */
  async insert(query: SQL, idColumn: string): Promise<number> {
    const result = await this.execute(this.dialect.returningId(query, idColumn));
    const id = result.insertId ?? result.rows[0]?.[0];
    if (typeof id !== 'number') throw new Error(`INSERT reported no ${idColumn}`);
    return id;
  }

  private execute(query: SQL): Promise<DriverResult> {
    const statement = this.dialect.compile(query);
    this.statements.logQuery(statement.sql);
    return this.connection.query(statement);
  }
}
