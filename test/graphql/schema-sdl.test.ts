// schema.graphql is the committed, public contract; it must be what the code serves.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { committedSchemaPath, printSchemaSdl } from '../../src/graphql/schema-sdl.js';

test('schema.graphql is up to date (run `npm run schema` after changing the schema)', () => {
  expect(readFileSync(committedSchemaPath, 'utf8')).toBe(printSchemaSdl());
});

test('the schema has the names of the DESIGN.md contract', () => {
  const sdl = printSchemaSdl();
  for (const name of [
    'interface Node',
    'scalar DateTime',
    'scalar JSON',
    'scalar SafeInt',
    'scalar OptunaFloat',
    'type Study implements Node',
    'type Trial implements Node',
    'type Artifact implements Node',
    'type StudyConnection',
    'type TrialConnection',
    'type ArtifactConnection',
    'trials(after: String, before: String, first: Int, last: Int, states: [TrialState!]): TrialConnection!',
    'artifacts(after: String, first: Int, studyId: Int, trialId: Int): ArtifactConnection!',
    'finishTrial(state: TrialState!, trialId: Int!, values: [OptunaFloat!]): Trial!',
  ]) {
    expect(sdl).toContain(name);
  }
});
