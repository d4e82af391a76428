// What MariaDB's information_schema says about the tables of a database: engine and collation,
// columns, keys (every index, the primary one included) and foreign key / check constraints,
// in the server's own words, so two databases compare with toEqual.
import type { DatabaseConnection } from '../support/database-connection.js';

export interface MariadbColumn {
  name: string;
  /** COLUMN_TYPE: `int(11)`, `varchar(512)`, `enum('RUNNING',…)`, `double`, `datetime`. */
  type: string;
  notNull: boolean;
  /** `NULL` when the column defaults to NULL, as information_schema writes it. */
  default: string | null;
  /** `auto_increment` or empty. */
  extra: string;
}

export interface MariadbTable {
  /** `<engine> <collation>`, e.g. `InnoDB utf8mb4_general_ci`. */
  options: string;
  columns: MariadbColumn[];
  /** Index name → `PRIMARY KEY (a)` / `UNIQUE KEY (a,b)` / `KEY (a)`. */
  keys: Record<string, string>;
  /** Constraint name → `FOREIGN KEY (a) REFERENCES t (b)` / `CHECK (…)`. */
  constraints: Record<string, string>;
}

export type MariadbCatalog = Record<string, MariadbTable>;

export async function describeMariadbCatalog(connection: DatabaseConnection): Promise<MariadbCatalog> {
  const tableRows = await connection.query<{ table: string; engine: string; collation: string }>(
    `SELECT TABLE_NAME AS \`table\`, ENGINE AS engine, TABLE_COLLATION AS collation
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1`,
  );
  const columnRows = await connection.query<{
    table: string;
    name: string;
    type: string;
    nullable: string;
    default: string | null;
    extra: string;
  }>(
    `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS \`default\`, EXTRA AS extra
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const keyRows = await connection.query<{ table: string; name: string; non_unique: number; columns: string }>(
    `SELECT TABLE_NAME AS \`table\`, INDEX_NAME AS name, NON_UNIQUE AS non_unique,
            GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS columns
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
     GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY 1, 2`,
  );
  const foreignKeyRows = await connection.query<{
    table: string;
    name: string;
    columns: string;
    target: string;
    target_columns: string;
  }>(
    `SELECT TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) AS columns,
            REFERENCED_TABLE_NAME AS target, GROUP_CONCAT(REFERENCED_COLUMN_NAME ORDER BY ORDINAL_POSITION) AS target_columns
     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
     GROUP BY TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME ORDER BY 1, 2`,
  );
  const checkRows = await connection.query<{ table: string; name: string; clause: string }>(
    `SELECT TABLE_NAME AS \`table\`, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1, 2`,
  );

  const catalog: MariadbCatalog = {};
  for (const { table, engine, collation } of tableRows) {
    catalog[table] = { options: `${engine} ${collation}`, columns: [], keys: {}, constraints: {} };
  }
  for (const { table, nullable, ...column } of columnRows)
    catalog[table]!.columns.push({ ...column, notNull: nullable === 'NO' });
  for (const { table, name, non_unique: nonUnique, columns } of keyRows) {
    const kind = name === 'PRIMARY' ? 'PRIMARY KEY' : Number(nonUnique) === 0 ? 'UNIQUE KEY' : 'KEY';
    catalog[table]!.keys[name] = `${kind} (${columns})`;
  }
  for (const { table, name, columns, target, target_columns: targetColumns } of foreignKeyRows) {
    catalog[table]!.constraints[name] = `FOREIGN KEY (${columns}) REFERENCES ${target} (${targetColumns})`;
  }
  for (const { table, name, clause } of checkRows) catalog[table]!.constraints[name] = `CHECK (${clause})`;
  return catalog;
}
