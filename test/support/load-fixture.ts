// Optuna storages on the test PostgreSQL / MariaDB servers: an empty one as Optuna 5 creates
// it, or one holding the Optuna fixture (the SQLite rows of all 13 tables, ids kept).
import Database from 'better-sqlite3';
import { optunaAlembicVersion, optunaSchemaVersion, optunaTableNames } from '../../src/db/optuna-ddl.js';
import { optunaCreateStatements as mysqlCreateStatements } from '../../src/db/mysql/optuna-ddl.js';
import { optunaCreateStatements as postgresqlCreateStatements } from '../../src/db/postgresql/optuna-ddl.js';
import { withConnection, type DatabaseConnection } from './database-connection.js';
import { copyFixture } from './fixture.js';

const createStatements = { postgresql: postgresqlCreateStatements, mysql: mysqlCreateStatements };

/** Runs `work` in one transaction. */
async function inTransaction(connection: DatabaseConnection, work: () => Promise<void>): Promise<void> {
  await connection.query('BEGIN');
  try {
    await work();
    await connection.query('COMMIT');
  } catch (error) {
    await connection.query('ROLLBACK');
    throw error;
  }
}

/** Optuna's tables, without rows: the dialect's `create_all`. */
export async function createOptunaTables(connection: DatabaseConnection): Promise<void> {
  const create = async () => {
    for (const statement of createStatements[connection.dialect]) await connection.query(statement);
  };
  // PostgreSQL's DDL is transactional; MySQL commits each CREATE on its own.
  await (connection.dialect === 'postgresql' ? inTransaction(connection, create) : create());
}

/** What Optuna 5 leaves in an empty database it opens: its tables and the two version rows. */
export async function createOptunaStorage(url: string, libraryVersion = '5.0.0.dev'): Promise<void> {
  await withConnection(url, async (connection) => {
    await createOptunaTables(connection);
    const [first, second, third] = [1, 2, 3].map(connection.placeholder);
    await connection.query(
      `INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (${first}, ${second}, ${third})`,
      [1, optunaSchemaVersion, libraryVersion],
    );
    await connection.query(`INSERT INTO alembic_version (version_num) VALUES (${first})`, [optunaAlembicVersion]);
  });
}

/** Every row of one table, with its column names (in the table's order). */
function readTable(fixture: Database.Database, table: string): { columns: string[]; rows: unknown[][] } {
  const statement = fixture.prepare(`SELECT * FROM ${table} ORDER BY 1`).raw();
  return { columns: statement.columns().map((column) => column.name), rows: statement.all() as unknown[][] };
}

/** Rows per INSERT: both servers cap the parameters of one statement (PostgreSQL at 65,535). */
const rowsPerInsert = 1000;

async function insertRows(
  connection: DatabaseConnection,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  const columnList = columns.map((column) => connection.quoteIdentifier(column)).join(', ');
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const batch = rows.slice(start, start + rowsPerInsert);
    let position = 0;
    const tuples = batch.map((row) => `(${row.map(() => connection.placeholder(++position)).join(', ')})`);
    await connection.query(`INSERT INTO ${table} (${columnList}) VALUES ${tuples.join(', ')}`, batch.flat());
  }
}

/**
 * PostgreSQL's sequences do not move when rows come with their ids: set each past its table's
 * largest id, as if Optuna had written the rows. (InnoDB moves AUTO_INCREMENT by itself.)
 */
async function moveSequencesPastIds(connection: DatabaseConnection): Promise<void> {
  if (connection.dialect !== 'postgresql') return;
  const serialColumns = await connection.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
  );
  for (const { table_name: table, column_name: column } of serialColumns) {
    // setval(sequence, NULL) changes nothing: an empty table keeps its sequence at 1.
    await connection.query(`SELECT setval(pg_get_serial_sequence($1, $2), max(${column})) FROM ${table}`, [
      table,
      column,
    ]);
  }
}

/** A fresh Optuna storage holding the fixture: its tables made by the dialect's DDL, then its rows. */
export async function loadFixture(url: string): Promise<void> {
  const copy = copyFixture();
  try {
    await copySqliteDatabase(copy.databasePath, url);
  } finally {
    copy.remove();
  }
}

/**
 * Fills the empty database at `url` with every row of the Optuna SQLite file at `sqlitePath`
 * (ids kept): the dialect's own DDL first, then the rows in one transaction.
 */
export async function copySqliteDatabase(sqlitePath: string, url: string): Promise<void> {
  const fixture = new Database(sqlitePath, { readonly: true });
  try {
    await withConnection(url, async (connection) => {
      await createOptunaTables(connection);
      await inTransaction(connection, async () => {
        // optunaTableNames is in creation order: every table after the ones it references.
        for (const table of optunaTableNames) {
          const { columns, rows } = readTable(fixture, table);
          if (rows.length > 0) await insertRows(connection, table, columns, rows);
        }
        await moveSequencesPastIds(connection);
      });
    });
  } finally {
    fixture.close();
  }
}
