// The SQL Optuna 5 (SQLAlchemy's `create_all`, then alembic's stamp) runs to create a fresh
// PostgreSQL storage, in Optuna's order: native enum types, SERIAL ids (a sequence per table,
// `<table>_<column>_seq`), FLOAT(53) = double precision, naive timestamps. PostgreSQL runs DDL
// inside a transaction, so a caller can create all of it atomically.
import { studyDirections, trialStates } from '../../optuna/enums.js';
import { intermediateValueTypes, trialValueTypes } from '../../optuna/float-values.js';
import { createTable } from '../optuna-ddl.js';

/** SQLAlchemy's Enum(SomeEnum): a native type named after the Python class, labels in order. */
const createEnumType = (name: string, labels: readonly string[]): string =>
  `CREATE TYPE ${name} AS ENUM (${labels.map((label) => `'${label}'`).join(', ')})`;

const attributeTable = (name: string, idColumn: string, ownerColumn: string, ownerTable: string): string =>
  createTable(name, [
    `${idColumn} SERIAL NOT NULL`,
    `${ownerColumn} INTEGER`,
    'key VARCHAR(512)',
    'value_json TEXT',
    `PRIMARY KEY (${idColumn})`,
    `UNIQUE (${ownerColumn}, key)`,
    `FOREIGN KEY(${ownerColumn}) REFERENCES ${ownerTable} (${ownerColumn})`,
  ]);

export const optunaCreateStatements: readonly string[] = [
  createEnumType('studydirection', studyDirections),
  createEnumType('trialstate', trialStates),
  createEnumType('trialvaluetype', trialValueTypes),
  createEnumType('trialintermediatevaluetype', intermediateValueTypes),
  createTable('studies', ['study_id SERIAL NOT NULL', 'study_name VARCHAR(512) NOT NULL', 'PRIMARY KEY (study_id)']),
  'CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)',
  createTable('version_info', [
    'version_info_id INTEGER NOT NULL',
    'schema_version INTEGER',
    'library_version VARCHAR(256)',
    'PRIMARY KEY (version_info_id)',
    'CHECK (version_info_id=1)',
  ]),
  createTable('study_directions', [
    'study_direction_id SERIAL NOT NULL',
    'direction studydirection NOT NULL',
    'study_id INTEGER NOT NULL',
    'objective INTEGER NOT NULL',
    'PRIMARY KEY (study_direction_id)',
    'UNIQUE (study_id, objective)',
    'FOREIGN KEY(study_id) REFERENCES studies (study_id)',
  ]),
  attributeTable('study_user_attributes', 'study_user_attribute_id', 'study_id', 'studies'),
  attributeTable('study_system_attributes', 'study_system_attribute_id', 'study_id', 'studies'),
  createTable('trials', [
    'trial_id SERIAL NOT NULL',
    'number INTEGER',
    'study_id INTEGER',
    'state trialstate NOT NULL',
    'datetime_start TIMESTAMP WITHOUT TIME ZONE',
    'datetime_complete TIMESTAMP WITHOUT TIME ZONE',
    'PRIMARY KEY (trial_id)',
    'FOREIGN KEY(study_id) REFERENCES studies (study_id)',
  ]),
  'CREATE INDEX ix_trials_study_id ON trials (study_id)',
  attributeTable('trial_user_attributes', 'trial_user_attribute_id', 'trial_id', 'trials'),
  attributeTable('trial_system_attributes', 'trial_system_attribute_id', 'trial_id', 'trials'),
  createTable('trial_params', [
    'param_id SERIAL NOT NULL',
    'trial_id INTEGER',
    'param_name VARCHAR(512)',
    'param_value FLOAT(53)',
    'distribution_json TEXT',
    'PRIMARY KEY (param_id)',
    'UNIQUE (trial_id, param_name)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('trial_values', [
    'trial_value_id SERIAL NOT NULL',
    'trial_id INTEGER NOT NULL',
    'objective INTEGER NOT NULL',
    'value FLOAT(53)',
    'value_type trialvaluetype NOT NULL',
    'PRIMARY KEY (trial_value_id)',
    'UNIQUE (trial_id, objective)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('trial_intermediate_values', [
    'trial_intermediate_value_id SERIAL NOT NULL',
    'trial_id INTEGER NOT NULL',
    'step INTEGER NOT NULL',
    'intermediate_value FLOAT(53)',
    'intermediate_value_type trialintermediatevaluetype NOT NULL',
    'PRIMARY KEY (trial_intermediate_value_id)',
    'UNIQUE (trial_id, step)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('trial_heartbeats', [
    'trial_heartbeat_id SERIAL NOT NULL',
    'trial_id INTEGER NOT NULL',
    'heartbeat TIMESTAMP WITHOUT TIME ZONE NOT NULL',
    'PRIMARY KEY (trial_heartbeat_id)',
    'UNIQUE (trial_id)',
    'FOREIGN KEY(trial_id) REFERENCES trials (trial_id)',
  ]),
  createTable('alembic_version', [
    'version_num VARCHAR(32) NOT NULL',
    'CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)',
  ]),
];
