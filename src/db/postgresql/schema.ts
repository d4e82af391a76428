// Drizzle mirror of Optuna's schema on PostgreSQL (alembic v3.2.0.a, schema_version 12): every
// table, column, constraint and index with PostgreSQL's own names. Property names are those of
// the SQLite mirror (../schema.ts). The DDL Optuna runs is in optuna-ddl.ts;
// test/db/postgresql-schema.rdb.test.ts checks this file against a database made by it.
import { sql } from 'drizzle-orm';
import {
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  unique,
  uniqueIndex,
  varchar,
  type PgColumn,
} from 'drizzle-orm/pg-core';
import { studyDirections as studyDirectionLabels, trialStates } from '../../optuna/enums.js';
import { intermediateValueTypes, trialValueTypes } from '../../optuna/float-values.js';

export const studyDirectionEnum = pgEnum('studydirection', studyDirectionLabels);
export const trialStateEnum = pgEnum('trialstate', trialStates);
export const trialValueTypeEnum = pgEnum('trialvaluetype', trialValueTypes);
export const trialIntermediateValueTypeEnum = pgEnum('trialintermediatevaluetype', intermediateValueTypes);

/**
 * SQLAlchemy's DateTime: `timestamp without time zone`, read as the stored text (µs kept). As
 * a Date, node-postgres would read the naive value in the process's local time zone.
 */
const datetime = (name: string) => timestamp(name, { mode: 'string' });

// Optuna names no constraint: these are PostgreSQL's defaults, which drizzle does not know.
const defaultUnique = (table: string, ...columns: [PgColumn, ...PgColumn[]]) =>
  unique(`${table}_${columns.map((column) => column.name).join('_')}_key`).on(...columns);
const defaultForeignKey = (table: string, column: PgColumn, target: PgColumn) =>
  foreignKey({ name: `${table}_${column.name}_fkey`, columns: [column], foreignColumns: [target] });

export const studies = pgTable(
  'studies',
  {
    studyId: serial('study_id').primaryKey(),
    studyName: varchar('study_name', { length: 512 }).notNull(),
  },
  (table) => [uniqueIndex('ix_studies_study_name').on(table.studyName)],
);

export const versionInfo = pgTable(
  'version_info',
  {
    versionInfoId: integer('version_info_id').primaryKey(),
    schemaVersion: integer('schema_version'),
    libraryVersion: varchar('library_version', { length: 256 }),
  },
  () => [check('version_info_version_info_id_check', sql`version_info_id = 1`)],
);

export const studyDirections = pgTable(
  'study_directions',
  {
    studyDirectionId: serial('study_direction_id').primaryKey(),
    direction: studyDirectionEnum('direction').notNull(),
    studyId: integer('study_id').notNull(),
    objective: integer('objective').notNull(),
  },
  (table) => [
    defaultUnique('study_directions', table.studyId, table.objective),
    defaultForeignKey('study_directions', table.studyId, studies.studyId),
  ],
);

export const studyUserAttributes = pgTable(
  'study_user_attributes',
  {
    studyUserAttributeId: serial('study_user_attribute_id').primaryKey(),
    studyId: integer('study_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique('study_user_attributes', table.studyId, table.key),
    defaultForeignKey('study_user_attributes', table.studyId, studies.studyId),
  ],
);

export const studySystemAttributes = pgTable(
  'study_system_attributes',
  {
    studySystemAttributeId: serial('study_system_attribute_id').primaryKey(),
    studyId: integer('study_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique('study_system_attributes', table.studyId, table.key),
    defaultForeignKey('study_system_attributes', table.studyId, studies.studyId),
  ],
);

export const trials = pgTable(
  'trials',
  {
    trialId: serial('trial_id').primaryKey(),
    number: integer('number'),
    studyId: integer('study_id'),
    state: trialStateEnum('state').notNull(),
    datetimeStart: datetime('datetime_start'),
    datetimeComplete: datetime('datetime_complete'),
  },
  (table) => [
    index('ix_trials_study_id').on(table.studyId),
    defaultForeignKey('trials', table.studyId, studies.studyId),
  ],
);

export const trialUserAttributes = pgTable(
  'trial_user_attributes',
  {
    trialUserAttributeId: serial('trial_user_attribute_id').primaryKey(),
    trialId: integer('trial_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique('trial_user_attributes', table.trialId, table.key),
    defaultForeignKey('trial_user_attributes', table.trialId, trials.trialId),
  ],
);

export const trialSystemAttributes = pgTable(
  'trial_system_attributes',
  {
    trialSystemAttributeId: serial('trial_system_attribute_id').primaryKey(),
    trialId: integer('trial_id'),
    key: varchar('key', { length: 512 }),
    valueJson: text('value_json'),
  },
  (table) => [
    defaultUnique('trial_system_attributes', table.trialId, table.key),
    defaultForeignKey('trial_system_attributes', table.trialId, trials.trialId),
  ],
);

export const trialParams = pgTable(
  'trial_params',
  {
    paramId: serial('param_id').primaryKey(),
    trialId: integer('trial_id'),
    paramName: varchar('param_name', { length: 512 }),
    paramValue: doublePrecision('param_value'),
    distributionJson: text('distribution_json'),
  },
  (table) => [
    defaultUnique('trial_params', table.trialId, table.paramName),
    defaultForeignKey('trial_params', table.trialId, trials.trialId),
  ],
);

export const trialValues = pgTable(
  'trial_values',
  {
    trialValueId: serial('trial_value_id').primaryKey(),
    trialId: integer('trial_id').notNull(),
    objective: integer('objective').notNull(),
    value: doublePrecision('value'),
    valueType: trialValueTypeEnum('value_type').notNull(),
  },
  (table) => [
    defaultUnique('trial_values', table.trialId, table.objective),
    defaultForeignKey('trial_values', table.trialId, trials.trialId),
  ],
);

export const trialIntermediateValues = pgTable(
  'trial_intermediate_values',
  {
    trialIntermediateValueId: serial('trial_intermediate_value_id').primaryKey(),
    trialId: integer('trial_id').notNull(),
    step: integer('step').notNull(),
    intermediateValue: doublePrecision('intermediate_value'),
    intermediateValueType: trialIntermediateValueTypeEnum('intermediate_value_type').notNull(),
  },
  (table) => [
    defaultUnique('trial_intermediate_values', table.trialId, table.step),
    defaultForeignKey('trial_intermediate_values', table.trialId, trials.trialId),
  ],
);

export const trialHeartbeats = pgTable(
  'trial_heartbeats',
  {
    trialHeartbeatId: serial('trial_heartbeat_id').primaryKey(),
    trialId: integer('trial_id').notNull(),
    heartbeat: datetime('heartbeat').notNull(),
  },
  (table) => [
    defaultUnique('trial_heartbeats', table.trialId),
    defaultForeignKey('trial_heartbeats', table.trialId, trials.trialId),
  ],
);

export const alembicVersion = pgTable(
  'alembic_version',
  {
    versionNum: varchar('version_num', { length: 32 }).notNull(),
  },
  (table) => [primaryKey({ name: 'alembic_version_pkc', columns: [table.versionNum] })],
);

export type TrialRow = typeof trials.$inferSelect;
export type StudyRow = typeof studies.$inferSelect;
