// What PostgreSQL's catalog says about the tables of a database (its current schema): enum
// types, columns, constraints, indexes and sequences, in PostgreSQL's own words
// (format_type, pg_get_constraintdef, pg_indexes), so two databases compare with toEqual.
import type { DatabaseConnection } from '../support/database-connection.js';

export interface PostgresColumn {
  name: string;
  /** format_type: `integer`, `character varying(512)`, `timestamp without time zone`, `trialstate`. */
  type: string;
  notNull: boolean;
  default: string | null;
}

export interface PostgresTable {
  columns: PostgresColumn[];
  /** Name → pg_get_constraintdef, e.g. `trials_study_id_fkey` → `FOREIGN KEY (study_id) REFERENCES studies(study_id)`. */
  constraints: Record<string, string>;
  /** Indexes that back no constraint: name → CREATE INDEX statement. */
  indexes: Record<string, string>;
}

export interface PostgresCatalog {
  /** Type name → labels in their order. */
  enumTypes: Record<string, string[]>;
  tables: Record<string, PostgresTable>;
  /** Sequence name → `<type> OWNED BY <table>.<column>`. */
  sequences: Record<string, string>;
}

const inCurrentSchema = (alias: string) => `${alias}.relnamespace = current_schema()::regnamespace`;

export async function describePostgresCatalog(connection: DatabaseConnection): Promise<PostgresCatalog> {
  const enumRows = await connection.query<{ type: string; label: string }>(
    `SELECT t.typname AS type, e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
     WHERE t.typnamespace = current_schema()::regnamespace ORDER BY t.typname, e.enumsortorder`,
  );
  const columnRows = await connection.query<{
    table: string;
    name: string;
    type: string;
    not_null: boolean;
    default: string | null;
  }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relkind = 'r' AND ${inCurrentSchema('c')} AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`,
  );
  const constraintRows = await connection.query<{ table: string; name: string; definition: string }>(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE ${inCurrentSchema('c')} ORDER BY 1, 2`,
  );
  const indexRows = await connection.query<{ table: string; name: string; definition: string }>(
    `SELECT tablename AS table, indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = current_schema()
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)
     ORDER BY 1, 2`,
  );
  const sequenceRows = await connection.query<{ name: string; type: string; table: string; column: string }>(
    `SELECT s.relname AS name, q.seqtypid::regtype::text AS type, t.relname AS table, a.attname AS column
     FROM pg_class s JOIN pg_sequence q ON q.seqrelid = s.oid
     LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
     LEFT JOIN pg_class t ON t.oid = d.refobjid
     LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE s.relkind = 'S' AND ${inCurrentSchema('s')} ORDER BY 1`,
  );

  const catalog: PostgresCatalog = { enumTypes: {}, tables: {}, sequences: {} };
  for (const { type, label } of enumRows) (catalog.enumTypes[type] ??= []).push(label);
  const table = (name: string) => (catalog.tables[name] ??= { columns: [], constraints: {}, indexes: {} });
  for (const { table: name, not_null: notNull, ...column } of columnRows)
    table(name).columns.push({ ...column, notNull });
  for (const { table: name, name: constraint, definition } of constraintRows)
    table(name).constraints[constraint] = definition;
  for (const { table: name, name: index, definition } of indexRows) table(name).indexes[index] = definition;
  for (const { name, type, table: owner, column } of sequenceRows) {
    catalog.sequences[name] = owner === null ? type : `${type} OWNED BY ${owner}.${column}`;
  }
  return catalog;
}
