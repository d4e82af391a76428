// The SQL Optuna (SQLAlchemy's `create_all`) runs to create a fresh SQLite storage, byte for
// byte, in Optuna's order, plus the two rows that make Optuna accept the database as its own.
// SQLite keeps this text in sqlite_master, and a database is only "Optuna's own" if it matches.

/** Alembic revision of Optuna's current RDB schema; Optuna refuses any other. */
export const optunaAlembicVersion = 'v3.2.0.a';
/** `version_info.schema_version` that goes with that revision. */
export const optunaSchemaVersion = 12;

/** SQLAlchemy's layout on every dialect: one clause per line, tab-indented, ", " line endings. */
export const createTable = (name: string, clauses: string[]): string =>
  `CREATE TABLE ${name} (\n\t${clauses.join(', \n\t')}\n)`;

const attributeTable = (name: string, idColumn: string, ownerColumn: string, ownerTable: string): string =>
  createTable(name, [
    `${idColumn} INTEGER NOT NULL`,
    `${ownerColumn} INTEGER`,
    '"key" VARCHAR(512)',
    'value_json TEXT',
    `PRIMARY KEY (${idColumn})`,
    `UNIQUE (${ownerColumn}, "key")`,
    `FOREIGN KEY(${ownerColumn}) REFERENCES ${ownerTable} (${ownerColumn})`,
  ]);

export const optunaCreateStatements: readonly string[] = [
  createTable('studies', ['study_id INTEGER NOT NULL', 'study_name VARCHAR(512) NOT NULL', 'PRIMARY KEY (study_id)']),
  'CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)',
  createTable('version_info', [
    'version_info_id INTEGER NOT NULL',
    'schema_version INTEGER',
    'library_version VARCHAR(256)',
    'PRIMARY KEY (version_info_id)',
    'CHECK (version_info_id=1)',
  ]),
  createTable('study_directions', [
    'study_direction_id INTEGER NOT NULL',
    'direction VARCHAR(8) NOT NULL',
    'study_id INTEGER NOT NULL',
    'objective INTEGER NOT NULL',
    'PRIMARY KEY (study_direction_id)',
    'UNIQUE (study_id, objective)',
    'FOREIGN KEY(study_id) REFERENCES studies (study_id)',
  ]),
  attributeTable('study_user_attributes', 'study_user_attribute_id', 'study_id', 'studies'),
  attributeTable('study_system_attributes', 'study_system_attribute_id', 'study_id', 'studies'),
  createTable('trials', [
    'trial_id INTEGER NOT NULL',
    'number INTEGER',
    'study_id INTEGER',
    'state VARCHAR(8) NOT NULL',
    'datetime_start DATETIME',
    'datetime_complete DATETIME',
    'PRIMARY KEY (trial_id)',
    'FOREIGN KEY(study_id) REFERENCES studies (study_id)',
  ]),
  'CREATE INDEX ix_trials_study_id ON trials (study_id)',
  attributeTable('trial_user_attributes', 'trial_user_attribute_id', 'trial_id', 'trials'),
  attributeTable('trial_system_attributes', 'trial_system_attribute_id', 'trial_id', 'trials'),
  createTable('trial_params', [
    'param_id INTEGER NOT NULL',
    'trial_id INTEGER',
    'param_name VARCHAR(512)',
    'param_value FLOAT',
    'distribution_json TEXT',
    'PRIMARY KEY (param_id)',
    'UNIQUE (trial_id, param_name)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('trial_values', [
    'trial_value_id INTEGER NOT NULL',
    'trial_id INTEGER NOT NULL',
    'objective INTEGER NOT NULL',
    'value FLOAT',
    'value_type VARCHAR(7) NOT NULL',
    'PRIMARY KEY (trial_value_id)',
    'UNIQUE (trial_id, objective)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('trial_intermediate_values', [
    'trial_intermediate_value_id INTEGER NOT NULL',
    'trial_id INTEGER NOT NULL',
    'step INTEGER NOT NULL',
    'intermediate_value FLOAT',
    'intermediate_value_type VARCHAR(7) NOT NULL',
    'PRIMARY KEY (trial_intermediate_value_id)',
    'UNIQUE (trial_id, step)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('trial_heartbeats', [
    'trial_heartbeat_id INTEGER NOT NULL',
    'trial_id INTEGER NOT NULL',
    'heartbeat DATETIME NOT NULL',
    'PRIMARY KEY (trial_heartbeat_id)',
    'UNIQUE (trial_id)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('alembic_version', [
    'version_num VARCHAR(32) NOT NULL',
    'CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)',
  ]),
];

/** Every table a usable Optuna storage has (Optuna's `create_all` would add missing ones). */
export const optunaTableNames: readonly string[] = optunaCreateStatements
  .map((statement) => /^CREATE TABLE (\w+)/.exec(statement)?.[1])
  .filter((name): name is string => name !== undefined);
