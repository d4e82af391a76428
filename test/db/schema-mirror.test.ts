// src/db/schema.ts must mirror every Optuna table, column, constraint and index exactly; the
// reference is a database written by real Optuna (the fixture).
import Database from 'better-sqlite3';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { optunaTableNames } from '../../src/db/optuna-ddl.js';
import * as schema from '../../src/db/schema.js';
import { copyFixture, type FixtureCopy } from '../support/fixture.js';

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}
interface IndexInfo {
  name: string;
  unique: number;
  origin: string;
}

const drizzleTables: SQLiteTable[] = Object.values(schema as Record<string, unknown>).filter(
  (value): value is SQLiteTable => value instanceof SQLiteTable,
);

let copy: FixtureCopy;
let optuna: Database.Database;

beforeAll(() => {
  copy = copyFixture();
  optuna = new Database(copy.databasePath, { readonly: true });
});
afterAll(() => {
  optuna.close();
  copy.remove();
});

const indexColumns = (indexName: string): string[] =>
  (optuna.prepare(`PRAGMA index_info("${indexName}")`).all() as { name: string }[]).map((row) => row.name);

test('every Optuna table has a drizzle table, and nothing else', () => {
  expect(drizzleTables.map((table) => getTableConfig(table).name).sort()).toEqual([...optunaTableNames].sort());
});

test.each(optunaTableNames)('%s: columns, types, nullability, keys and indexes match', (tableName) => {
  const table = drizzleTables.find((candidate) => getTableConfig(candidate).name === tableName)!;
  const config = getTableConfig(table);
  const columns = optuna.prepare(`PRAGMA table_info("${tableName}")`).all() as ColumnInfo[];

  expect(config.columns.map((column) => column.name)).toEqual(columns.map((column) => column.name));
  for (const column of config.columns) {
    const actual = columns.find((candidate) => candidate.name === column.name)!;
    expect(column.getSQLType().toUpperCase(), column.name).toBe(actual.type.toUpperCase());
    expect(column.notNull, column.name).toBe(actual.notnull === 1);
  }
  const primaryKey = columns.filter((column) => column.pk > 0).map((column) => column.name);
  const drizzlePrimaryKey = [
    ...config.columns.filter((column) => column.primary).map((column) => column.name),
    ...config.primaryKeys.flatMap((key) => key.columns.map((column) => column.name)),
  ];
  expect(drizzlePrimaryKey).toEqual(primaryKey);

  const indexes = optuna.prepare(`PRAGMA index_list("${tableName}")`).all() as IndexInfo[];
  const uniqueConstraints = indexes.filter((index) => index.origin === 'u').map((index) => indexColumns(index.name));
  const drizzleUniques = [
    ...config.uniqueConstraints.map((constraint) => constraint.columns.map((column) => column.name)),
    ...config.columns.filter((column) => column.isUnique).map((column) => [column.name]),
  ];
  expect(drizzleUniques).toEqual(uniqueConstraints);

  const namedIndexes = indexes
    .filter((index) => index.origin === 'c')
    .map((index) => ({ name: index.name, unique: index.unique === 1, columns: indexColumns(index.name) }));
  const drizzleIndexes = config.indexes.map((index) => ({
    name: index.config.name,
    unique: index.config.unique,
    columns: index.config.columns.map((column) => (column as { name: string }).name),
  }));
  expect(drizzleIndexes).toEqual(namedIndexes);

  const foreignKeys = (
    optuna.prepare(`PRAGMA foreign_key_list("${tableName}")`).all() as { table: string; from: string; to: string }[]
  ).map((key) => `${key.from} -> ${key.table}.${key.to}`);
  const drizzleForeignKeys = config.foreignKeys.map((key) => {
    const reference = key.reference();
    return `${reference.columns.map((column) => column.name).join()} -> ${getTableConfig(reference.foreignTable).name}.${reference.foreignColumns.map((column) => column.name).join()}`;
  });
  expect(drizzleForeignKeys).toEqual(foreignKeys);
});
