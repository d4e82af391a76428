// The schema as SDL text, deterministic (types sorted), as committed in schema.graphql.
// `graphql/index.js` rather than `graphql`: graphql-js ships a CommonJS and an ES module build
// without an exports map, and the printer must come from the same copy as the schema objects
// (built by Pothos, which loads the CommonJS one). Vite-based runners pick the ES build for
// a bare `graphql` import from our sources; this path is the CommonJS build everywhere.
import { lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { schema } from './schema.js';

export const printSchemaSdl = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;

/** Where the committed SDL lives: the repository root. */
export const committedSchemaPath = new URL('../../schema.graphql', import.meta.url);
