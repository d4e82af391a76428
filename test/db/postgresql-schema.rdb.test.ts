// Optuna's schema on PostgreSQL: src/db/postgresql/optuna-ddl.ts makes what real Optuna makes
// (Debian's Optuna 3.1 on the same server is the reference; Optuna 5 adds one index), and the
// drizzle mirror in src/db/postgresql/schema.ts describes that database exactly.
import { getTableConfig, isPgEnum, PgDialect, PgTable, type PgColumn } from 'drizzle-orm/pg-core';
import { beforeAll, expect, test } from 'vitest';
import * as schema from '../../src/db/postgresql/schema.js';
import { optunaTableNames } from '../../src/db/optuna-ddl.js';
import { withConnection } from '../support/database-connection.js';
import { createOptunaStorage } from '../support/load-fixture.js';
import { createPostgresDatabase } from '../support/postgres-server.js';
import { inspectWithOptuna } from '../support/python-optuna.js';
import {
  describePostgresCatalog,
  type PostgresCatalog,
  type PostgresColumn,
  type PostgresTable,
} from './postgresql-catalog.js';

let url: string;
let catalog: PostgresCatalog;

const catalogOf = (databaseUrl: string): Promise<PostgresCatalog> =>
  withConnection(databaseUrl, describePostgresCatalog);

beforeAll(async () => {
  url = await createPostgresDatabase('optuna_ddl');
  await createOptunaStorage(url);
  catalog = await catalogOf(url);
});

test('the DDL makes the schema Python Optuna makes, plus the trials(study_id) index of Optuna 5', async () => {
  const pythonUrl = await createPostgresDatabase('optuna_python');
  await inspectWithOptuna(pythonUrl); // opening an empty database makes Optuna create its tables
  const python = await catalogOf(pythonUrl);
  expect(python.tables.trials!.indexes).toEqual({});

  python.tables.trials!.indexes = {
    ix_trials_study_id: 'CREATE INDEX ix_trials_study_id ON public.trials USING btree (study_id)',
  };
  expect(catalog).toEqual(python);
});

test('native enum types, a sequence per id, double precision, naive timestamps, PostgreSQL-named constraints', () => {
  expect(catalog.enumTypes).toEqual({
    studydirection: ['NOT_SET', 'MINIMIZE', 'MAXIMIZE'],
    trialstate: ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'],
    trialvaluetype: ['FINITE', 'INF_POS', 'INF_NEG'],
    trialintermediatevaluetype: ['FINITE', 'INF_POS', 'INF_NEG', 'NAN'],
  });
  expect(Object.keys(catalog.tables).sort()).toEqual([...optunaTableNames].sort());

  const idColumns = Object.entries(catalog.tables)
    .filter(([table]) => table !== 'version_info' && table !== 'alembic_version')
    .map(([table, { columns }]) => `${table}.${columns[0]!.name}`);
  expect(Object.values(catalog.sequences).sort()).toEqual(
    idColumns.map((column) => `integer OWNED BY ${column}`).sort(),
  );

  expect(catalog.tables.trials).toEqual({
    columns: [
      { name: 'trial_id', type: 'integer', notNull: true, default: "nextval('trials_trial_id_seq'::regclass)" },
      { name: 'number', type: 'integer', notNull: false, default: null },
      { name: 'study_id', type: 'integer', notNull: false, default: null },
      { name: 'state', type: 'trialstate', notNull: true, default: null },
      { name: 'datetime_start', type: 'timestamp without time zone', notNull: false, default: null },
      { name: 'datetime_complete', type: 'timestamp without time zone', notNull: false, default: null },
    ],
    constraints: {
      trials_pkey: 'PRIMARY KEY (trial_id)',
      trials_study_id_fkey: 'FOREIGN KEY (study_id) REFERENCES studies(study_id)',
    },
    indexes: { ix_trials_study_id: 'CREATE INDEX ix_trials_study_id ON public.trials USING btree (study_id)' },
  });
  expect(catalog.tables.trial_values!.columns.find((column) => column.name === 'value')!.type).toBe('double precision');
  expect(catalog.tables.trial_user_attributes!.constraints).toEqual({
    trial_user_attributes_pkey: 'PRIMARY KEY (trial_user_attribute_id)',
    trial_user_attributes_trial_id_key_key: 'UNIQUE (trial_id, key)',
    trial_user_attributes_trial_id_fkey: 'FOREIGN KEY (trial_id) REFERENCES trials(trial_id)',
  });
  expect(catalog.tables.version_info!.constraints).toMatchObject({
    version_info_version_info_id_check: 'CHECK ((version_info_id = 1))',
  });
  expect(catalog.tables.alembic_version!.constraints).toEqual({ alembic_version_pkc: 'PRIMARY KEY (version_num)' });
  expect(catalog.tables.studies!.indexes).toEqual({
    ix_studies_study_name: 'CREATE UNIQUE INDEX ix_studies_study_name ON public.studies USING btree (study_name)',
  });
  const tablesWithIndexes = Object.entries(catalog.tables).filter(([, table]) => Object.keys(table.indexes).length > 0);
  expect(tablesWithIndexes.map(([name]) => name).sort()).toEqual(['studies', 'trials']);
});

test('the version rows are the ones Optuna 5 accepts', async () => {
  await withConnection(url, async (connection) => {
    expect(await connection.query('SELECT * FROM version_info')).toEqual([
      { version_info_id: 1, schema_version: 12, library_version: '5.0.0.dev' },
    ]);
    expect(await connection.query('SELECT * FROM alembic_version')).toEqual([{ version_num: 'v3.2.0.a' }]);
  });
  const view = await inspectWithOptuna(url);
  expect(view).toMatchObject({ accepted: true, studies: [] });
});

/** What the catalog would say about a database made from the drizzle mirror. */
function tableFromMirror(table: PgTable): PostgresTable {
  const config = getTableConfig(table);
  const names = (columns: PgColumn[]) => columns.map((column) => column.name).join(', ');
  const columns: PostgresColumn[] = config.columns.map((column) => {
    const serial = column.getSQLType() === 'serial';
    const type = serial
      ? 'integer'
      : column
          .getSQLType()
          .replace(/^varchar/, 'character varying')
          .replace(/^timestamp$/, 'timestamp without time zone');
    const defaultValue = serial ? `nextval('${config.name}_${column.name}_seq'::regclass)` : null;
    return { name: column.name, type, notNull: column.notNull, default: defaultValue };
  });
  const constraints: Record<string, string> = {};
  for (const column of config.columns.filter((candidate) => candidate.primary)) {
    constraints[`${config.name}_pkey`] = `PRIMARY KEY (${column.name})`;
  }
  for (const key of config.primaryKeys) constraints[key.getName()] = `PRIMARY KEY (${names(key.columns)})`;
  for (const unique of config.uniqueConstraints) constraints[unique.getName()!] = `UNIQUE (${names(unique.columns)})`;
  for (const key of config.foreignKeys) {
    const reference = key.reference();
    constraints[key.getName()] =
      `FOREIGN KEY (${names(reference.columns)}) REFERENCES ${getTableConfig(reference.foreignTable).name}(${names(reference.foreignColumns)})`;
  }
  for (const check of config.checks)
    constraints[check.name] = `CHECK ((${new PgDialect().sqlToQuery(check.value).sql}))`;
  const indexes: Record<string, string> = {};
  for (const { config: index } of config.indexes) {
    const columnNames = index.columns.map((column) => (column as PgColumn).name).join(', ');
    indexes[index.name!] =
      `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${index.name} ON public.${config.name} USING btree (${columnNames})`;
  }
  return { columns, constraints, indexes };
}

test('the drizzle mirror describes the database exactly', () => {
  const exports = Object.values(schema as Record<string, unknown>);
  const mirror: PostgresCatalog = { enumTypes: {}, tables: {}, sequences: {} };
  for (const value of exports) if (isPgEnum(value)) mirror.enumTypes[value.enumName] = [...value.enumValues];
  for (const value of exports.filter((candidate): candidate is PgTable => candidate instanceof PgTable)) {
    const table = tableFromMirror(value);
    mirror.tables[getTableConfig(value).name] = table;
    for (const column of table.columns.filter((candidate) => candidate.default?.startsWith('nextval'))) {
      mirror.sequences[`${getTableConfig(value).name}_${column.name}_seq`] =
        `integer OWNED BY ${getTableConfig(value).name}.${column.name}`;
    }
  }
  expect(mirror).toEqual(catalog);
});
