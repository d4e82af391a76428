// `npm run schema`: rewrites schema.graphql from the Pothos schema.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { committedSchemaPath, printSchemaSdl } from './schema-sdl.js';

writeFileSync(committedSchemaPath, printSchemaSdl());
console.log(`Wrote ${fileURLToPath(committedSchemaPath)}`);
