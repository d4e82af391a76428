// Drizzle mirror of Optuna's RDB schema (alembic revision v3.2.0.a, schema_version 12): every
// table, column, constraint and index, with Optuna's declared SQL types. The exact DDL Optuna
// runs is in optuna-ddl.ts; test/db/schema-mirror.test.ts checks this file against it.
import { sql } from 'drizzle-orm';
import {
  check,
  customType,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** SQLAlchemy's String(n): declared VARCHAR(n), stored as TEXT. */
const varchar = (name: string, length: number) =>
  customType<{ data: string; driverData: string }>({ dataType: () => `VARCHAR(${length})` })(name);
/** SQLAlchemy's Float: declared FLOAT (REAL affinity). */
const float = (name: string) => customType<{ data: number; driverData: number }>({ dataType: () => 'FLOAT' })(name);
/** SQLAlchemy's DateTime: declared DATETIME, stored as naive-local text (see optuna/datetimes.ts). */
const datetime = (name: string) =>
  customType<{ data: string; driverData: string }>({ dataType: () => 'DATETIME' })(name);

export const studies = sqliteTable(
  'studies',
  {
    studyId: integer('study_id').primaryKey(),
    studyName: varchar('study_name', 512).notNull(),
  },
  (table) => [uniqueIndex('ix_studies_study_name').on(table.studyName)],
);

export const versionInfo = sqliteTable(
  'version_info',
  {
    versionInfoId: integer('version_info_id').primaryKey(),
    schemaVersion: integer('schema_version'),
    libraryVersion: varchar('library_version', 256),
  },
  () => [check('version_info_id_check', sql`version_info_id=1`)],
);

export const studyDirections = sqliteTable(
  'study_directions',
  {
    studyDirectionId: integer('study_direction_id').primaryKey(),
    direction: varchar('direction', 8).notNull(),
    studyId: integer('study_id')
      .notNull()
      .references(() => studies.studyId),
    objective: integer('objective').notNull(),
  },
  (table) => [unique().on(table.studyId, table.objective)],
);

export const studyUserAttributes = sqliteTable(
  'study_user_attributes',
  {
    studyUserAttributeId: integer('study_user_attribute_id').primaryKey(),
    studyId: integer('study_id').references(() => studies.studyId),
    key: varchar('key', 512),
    valueJson: text('value_json'),
  },
  (table) => [unique().on(table.studyId, table.key)],
);

export const studySystemAttributes = sqliteTable(
  'study_system_attributes',
  {
    studySystemAttributeId: integer('study_system_attribute_id').primaryKey(),
    studyId: integer('study_id').references(() => studies.studyId),
    key: varchar('key', 512),
    valueJson: text('value_json'),
  },
  (table) => [unique().on(table.studyId, table.key)],
);

export const trials = sqliteTable(
  'trials',
  {
    trialId: integer('trial_id').primaryKey(),
    number: integer('number'),
    studyId: integer('study_id').references(() => studies.studyId),
    state: varchar('state', 8).notNull(),
    datetimeStart: datetime('datetime_start'),
    datetimeComplete: datetime('datetime_complete'),
  },
  (table) => [index('ix_trials_study_id').on(table.studyId)],
);

export const trialUserAttributes = sqliteTable(
  'trial_user_attributes',
  {
    trialUserAttributeId: integer('trial_user_attribute_id').primaryKey(),
    trialId: integer('trial_id').references(() => trials.trialId),
    key: varchar('key', 512),
    valueJson: text('value_json'),
  },
  (table) => [unique().on(table.trialId, table.key)],
);

export const trialSystemAttributes = sqliteTable(
  'trial_system_attributes',
  {
    trialSystemAttributeId: integer('trial_system_attribute_id').primaryKey(),
    trialId: integer('trial_id').references(() => trials.trialId),
    key: varchar('key', 512),
    valueJson: text('value_json'),
  },
  (table) => [unique().on(table.trialId, table.key)],
);

export const trialParams = sqliteTable(
  'trial_params',
  {
    paramId: integer('param_id').primaryKey(),
    trialId: integer('trial_id').references(() => trials.trialId),
    paramName: varchar('param_name', 512),
    paramValue: float('param_value'),
    distributionJson: text('distribution_json'),
  },
  (table) => [unique().on(table.trialId, table.paramName)],
);

export const trialValues = sqliteTable(
  'trial_values',
  {
    trialValueId: integer('trial_value_id').primaryKey(),
    trialId: integer('trial_id')
      .notNull()
      .references(() => trials.trialId),
    objective: integer('objective').notNull(),
    value: float('value'),
    valueType: varchar('value_type', 7).notNull(),
  },
  (table) => [unique().on(table.trialId, table.objective)],
);

export const trialIntermediateValues = sqliteTable(
  'trial_intermediate_values',
  {
    trialIntermediateValueId: integer('trial_intermediate_value_id').primaryKey(),
    trialId: integer('trial_id')
      .notNull()
      .references(() => trials.trialId),
    step: integer('step').notNull(),
    intermediateValue: float('intermediate_value'),
    intermediateValueType: varchar('intermediate_value_type', 7).notNull(),
  },
  (table) => [unique().on(table.trialId, table.step)],
);

export const trialHeartbeats = sqliteTable('trial_heartbeats', {
  trialHeartbeatId: integer('trial_heartbeat_id').primaryKey(),
  trialId: integer('trial_id')
    .notNull()
    .unique()
    .references(() => trials.trialId),
  heartbeat: datetime('heartbeat').notNull(),
});

export const alembicVersion = sqliteTable(
  'alembic_version',
  {
    versionNum: varchar('version_num', 32).notNull(),
  },
  (table) => [primaryKey({ name: 'alembic_version_pkc', columns: [table.versionNum] })],
);

export type TrialRow = typeof trials.$inferSelect;
export type StudyRow = typeof studies.$inferSelect;
