// Drizzle mirror of Optuna's schema on MySQL / MariaDB (alembic v3.2.0.a, schema_version 12):
// every table, column, constraint and index with the server's own names. Property names are
// those of the SQLite mirror (../schema.ts). The DDL Optuna runs is in optuna-ddl.ts;
// test/db/mariadb-schema.rdb.test.ts checks this file against a database made by it.
import { sql } from 'drizzle-orm';
import {
  check,
  datetime as mysqlDatetime,
  double,
  foreignKey,
  index,
  int,
  mysqlEnum,
  mysqlTable,
  text,
  unique,
  uniqueIndex,
  varchar,
  type MySqlColumn,
} from 'drizzle-orm/mysql-core';
import { studyDirections as studyDirectionLabels, trialStates } from '../../optuna/enums.js';
import { intermediateValueTypes, trialValueTypes } from '../../optuna/float-values.js';

/**
 * SQLAlchemy's DateTime: DATETIME with whole seconds, read as the stored text. As a Date,
 * mysql2 would read the naive value in the process's local time zone.
 */
const datetime = (name: string) => mysqlDatetime(name, { mode: 'string' });

// Optuna names no constraint: these are the server's defaults, which drizzle does not know.
// A unique key is named after its first column, a table's foreign key `<table>_ibfk_1`.
const defaultUnique = (...columns: [MySqlColumn, ...MySqlColumn[]]) => unique(columns[0].name).on(...columns);
const defaultForeignKey = (table: string, column: MySqlColumn, target: MySqlColumn) =>
  foreignKey({ name: `${table}_ibfk_1`, columns: [column], foreignColumns: [target] });

export const studies = mysqlTable(
  'studies',
  {
    studyId: int('study_id').autoincrement().primaryKey(),
    studyName: varchar('study_name', { length: 512 }).notNull(),
  },
  (table) => [uniqueIndex('ix_studies_study_name').on(table.studyName)],
);

export const versionInfo = mysqlTable(
  'version_info',
  {
    versionInfoId: int('version_info_id').primaryKey(),
    schemaVersion: int('schema_version'),
    libraryVersion: varchar('library_version', { length: 256 }),
  },
  () => [check('CONSTRAINT_1', sql`version_info_id = 1`)],
);

export const studyDirections = mysqlTable(
  'study_directions',
  {
    studyDirectionId: int('study_direction_id').autoincrement().primaryKey(),
    direction: mysqlEnum('direction', studyDirectionLabels).notNull(),
    studyId: int('study_id').notNull(),
    objective: int('objective').notNull(),
  },
  (table) => [
    defaultUnique(table.studyId, table.objective),
    defaultForeignKey('study_directions', table.studyId, studies.studyId),
  ],
);

export const studyUserAttributes = mysqlTable(
  'study_user_attributes',
  {
    studyUserAttributeId: int('study_user_attribute_id').autoincrement().primaryKey(),
    studyId: int('study_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique(table.studyId, table.key),
    defaultForeignKey('study_user_attributes', table.studyId, studies.studyId),
  ],
);

export const studySystemAttributes = mysqlTable(
  'study_system_attributes',
  {
    studySystemAttributeId: int('study_system_attribute_id').autoincrement().primaryKey(),
    studyId: int('study_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique(table.studyId, table.key),
    defaultForeignKey('study_system_attributes', table.studyId, studies.studyId),
  ],
);

export const trials = mysqlTable(
  'trials',
  {
    trialId: int('trial_id').autoincrement().primaryKey(),
    number: int('number'),
    studyId: int('study_id'),
    state: mysqlEnum('state', trialStates).notNull(),
    datetimeStart: datetime('datetime_start'),
    datetimeComplete: datetime('datetime_complete'),
  },
  (table) => [
    index('ix_trials_study_id').on(table.studyId),
    defaultForeignKey('trials', table.studyId, studies.studyId),
  ],
);

export const trialUserAttributes = mysqlTable(
  'trial_user_attributes',
  {
    trialUserAttributeId: int('trial_user_attribute_id').autoincrement().primaryKey(),
    trialId: int('trial_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique(table.trialId, table.key),
    defaultForeignKey('trial_user_attributes', table.trialId, trials.trialId),
  ],
);

export const trialSystemAttributes = mysqlTable(
  'trial_system_attributes',
  {
    trialSystemAttributeId: int('trial_system_attribute_id').autoincrement().primaryKey(),
    trialId: int('trial_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique(table.trialId, table.key),
    defaultForeignKey('trial_system_attributes', table.trialId, trials.trialId),
  ],
);

export const trialParams = mysqlTable(
  'trial_params',
  {
    paramId: int('param_id').autoincrement().primaryKey(),
    trialId: int('trial_id'),
    paramName: varchar('param_name', { length: 512 }),
    paramValue: double('param_value'),
    distributionJson: text('distribution_json'),
  },
  (table) => [
    defaultUnique(table.trialId, table.paramName),
    defaultForeignKey('trial_params', table.trialId, trials.trialId),
  ],
);

export const trialValues = mysqlTable(
  'trial_values',
  {
    trialValueId: int('trial_value_id').autoincrement().primaryKey(),
    trialId: int('trial_id').notNull(),
    objective: int('objective').notNull(),
    value: double('value'),
    valueType: mysqlEnum('value_type', trialValueTypes).notNull(),
  },
  (table) => [
    defaultUnique(table.trialId, table.objective),
    defaultForeignKey('trial_values', table.trialId, trials.trialId),
  ],
);

export const trialIntermediateValues = mysqlTable(
  'trial_intermediate_values',
  {
    trialIntermediateValueId: int('trial_intermediate_value_id').autoincrement().primaryKey(),
    trialId: int('trial_id').notNull(),
    step: int('step').notNull(),
    intermediateValue: double('intermediate_value'),
    intermediateValueType: mysqlEnum('intermediate_value_type', intermediateValueTypes).notNull(),
  },
  (table) => [
    defaultUnique(table.trialId, table.step),
    defaultForeignKey('trial_intermediate_values', table.trialId, trials.trialId),
  ],
);

export const trialHeartbeats = mysqlTable(
  'trial_heartbeats',
  {
    trialHeartbeatId: int('trial_heartbeat_id').autoincrement().primaryKey(),
    trialId: int('trial_id').notNull(),
    heartbeat: datetime('heartbeat').notNull(),
  },
  (table) => [defaultUnique(table.trialId), defaultForeignKey('trial_heartbeats', table.trialId, trials.trialId)],
);

export const alembicVersion = mysqlTable('alembic_version', {
  // MySQL drops the name alembic gives this key (alembic_version_pkc): a primary key is PRIMARY.
  versionNum: varchar('version_num', { length: 32 }).notNull().primaryKey(),
});

export type TrialRow = typeof trials.$inferSelect;
export type StudyRow = typeof studies.$inferSelect;
