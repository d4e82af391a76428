// The schema as SDL text, deterministic (types sorted), as committed in schema.graphql.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema.js';

export const printSchemaSdl = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;

/** Where the committed SDL lives: the repository root. */
export const committedSchemaPath = new URL('../../schema.graphql', import.meta.url);
