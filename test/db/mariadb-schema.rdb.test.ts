// Optuna's schema on MariaDB: src/db/mysql/optuna-ddl.ts makes what real Optuna makes (Debian's
// Optuna 3.1 on the same server is the reference; Optuna 5 adds one index), and the drizzle
// mirror in src/db/mysql/schema.ts describes that database exactly.
import {
  getTableConfig,
  MySqlColumnWithAutoIncrement,
  MySqlDialect,
  MySqlTable,
  type MySqlColumn,
} from 'drizzle-orm/mysql-core';
import { beforeAll, expect, test } from 'vitest';
import * as schema from '../../src/db/mysql/schema.js';
import { optunaTableNames } from '../../src/db/optuna-ddl.js';
import { withConnection } from '../support/database-connection.js';
import { createOptunaStorage } from '../support/load-fixture.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { inspectWithOptuna } from '../support/python-optuna.js';
import {
  describeMariadbCatalog,
  type MariadbCatalog,
  type MariadbColumn,
  type MariadbTable,
} from './mariadb-catalog.js';

let url: string;
let catalog: MariadbCatalog;

const catalogOf = (databaseUrl: string): Promise<MariadbCatalog> => withConnection(databaseUrl, describeMariadbCatalog);

beforeAll(async () => {
  url = await createMariadbDatabase('optuna_ddl');
  await createOptunaStorage(url);
  catalog = await catalogOf(url);
});

test('the DDL makes the schema Python Optuna makes, plus the trials(study_id) index of Optuna 5', async () => {
  const pythonUrl = await createMariadbDatabase('optuna_python');
  await inspectWithOptuna(pythonUrl); // opening an empty database makes Optuna create its tables
  const python = await catalogOf(pythonUrl);
  // Optuna 3.1 declares no index: InnoDB made one for the foreign key, named after its column.
  expect(python.trials!.keys).toEqual({ PRIMARY: 'PRIMARY KEY (trial_id)', study_id: 'KEY (study_id)' });

  python.trials!.keys = { PRIMARY: 'PRIMARY KEY (trial_id)', ix_trials_study_id: 'KEY (study_id)' };
  expect(catalog).toEqual(python);
});

test('inline enums, AUTO_INCREMENT ids, double, whole-second datetimes, server-named keys, utf8mb4', () => {
  expect(Object.keys(catalog).sort()).toEqual([...optunaTableNames].sort());
  for (const [name, table] of Object.entries(catalog)) {
    expect(table.options, name).toBe('InnoDB utf8mb4_general_ci');
    const autoIncrement = table.columns
      .filter((column) => column.extra === 'auto_increment')
      .map((column) => column.name);
    const hasId = name !== 'version_info' && name !== 'alembic_version';
    expect(autoIncrement, name).toEqual(hasId ? [table.columns[0]!.name] : []);
  }

  expect(catalog.trials).toEqual({
    options: 'InnoDB utf8mb4_general_ci',
    columns: [
      { name: 'trial_id', type: 'int(11)', notNull: true, default: null, extra: 'auto_increment' },
      { name: 'number', type: 'int(11)', notNull: false, default: 'NULL', extra: '' },
      { name: 'study_id', type: 'int(11)', notNull: false, default: 'NULL', extra: '' },
      {
        name: 'state',
        type: "enum('RUNNING','COMPLETE','PRUNED','FAIL','WAITING')",
        notNull: true,
        default: null,
        extra: '',
      },
      { name: 'datetime_start', type: 'datetime', notNull: false, default: 'NULL', extra: '' },
      { name: 'datetime_complete', type: 'datetime', notNull: false, default: 'NULL', extra: '' },
    ],
    keys: { PRIMARY: 'PRIMARY KEY (trial_id)', ix_trials_study_id: 'KEY (study_id)' },
    constraints: { trials_ibfk_1: 'FOREIGN KEY (study_id) REFERENCES studies (study_id)' },
  });
  expect(catalog.trial_values!.columns.map((column) => column.type)).toEqual([
    'int(11)',
    'int(11)',
    'int(11)',
    'double',
    "enum('FINITE','INF_POS','INF_NEG')",
  ]);
  expect(catalog.trial_intermediate_values!.columns[4]!.type).toBe("enum('FINITE','INF_POS','INF_NEG','NAN')");
  expect(catalog.study_directions!.columns[1]!.type).toBe("enum('NOT_SET','MINIMIZE','MAXIMIZE')");
  expect(catalog.trial_user_attributes!.keys).toEqual({
    PRIMARY: 'PRIMARY KEY (trial_user_attribute_id)',
    trial_id: 'UNIQUE KEY (trial_id,key)',
  });
  expect(catalog.version_info!.constraints).toEqual({ CONSTRAINT_1: 'CHECK (`version_info_id` = 1)' });
  expect(catalog.studies!.keys).toEqual({
    PRIMARY: 'PRIMARY KEY (study_id)',
    ix_studies_study_name: 'UNIQUE KEY (study_name)',
  });
  expect(catalog.alembic_version!.keys).toEqual({ PRIMARY: 'PRIMARY KEY (version_num)' });
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

/** What information_schema would say about a database made from the drizzle mirror (engine and collation aside). */
function tableFromMirror(table: MySqlTable): Omit<MariadbTable, 'options'> {
  const config = getTableConfig(table);
  const names = (columns: MySqlColumn[]) => columns.map((column) => column.name).join(',');
  const columns: MariadbColumn[] = config.columns.map((column) => ({
    name: column.name,
    type: column.getSQLType().replace(/^int$/, 'int(11)'),
    notNull: column.notNull,
    default: column.notNull ? null : 'NULL',
    extra: column instanceof MySqlColumnWithAutoIncrement && column.autoIncrement ? 'auto_increment' : '',
  }));
  const keys: Record<string, string> = {};
  for (const column of config.columns.filter((candidate) => candidate.primary))
    keys.PRIMARY = `PRIMARY KEY (${column.name})`;
  for (const unique of config.uniqueConstraints) keys[unique.getName()!] = `UNIQUE KEY (${names(unique.columns)})`;
  for (const { config: index } of config.indexes) {
    keys[index.name] = `${index.unique ? 'UNIQUE KEY' : 'KEY'} (${names(index.columns as MySqlColumn[])})`;
  }
  const constraints: Record<string, string> = {};
  for (const key of config.foreignKeys) {
    const reference = key.reference();
    constraints[key.getName()] =
      `FOREIGN KEY (${names(reference.columns)}) REFERENCES ${getTableConfig(reference.foreignTable).name} (${names(reference.foreignColumns)})`;
  }
  for (const check of config.checks)
    constraints[check.name] = `CHECK (${new MySqlDialect().sqlToQuery(check.value).sql})`;
  return { columns, keys, constraints };
}

test('the drizzle mirror describes the database exactly', () => {
  const tables = Object.values(schema as Record<string, unknown>).filter(
    (value): value is MySqlTable => value instanceof MySqlTable,
  );
  const mirror = Object.fromEntries(tables.map((table) => [getTableConfig(table).name, tableFromMirror(table)]));
  // The server writes identifiers in a CHECK clause back quoted; the mirror's SQL has them bare.
  const server = Object.fromEntries(
    Object.entries(catalog).map(([name, { options: _engineAndCollation, constraints, ...table }]) => [
      name,
      {
        ...table,
        constraints: Object.fromEntries(
          Object.entries(constraints).map(([key, text]) => [key, text.replaceAll('`', '')]),
        ),
      },
    ]),
  );
  expect(mirror).toEqual(server);
});
