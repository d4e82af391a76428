// The operation limits of armor.ts let real queries through and stop abusive ones.
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { AppServices } from '../../src/app-services.js';
import { openOptunaDatabase, type SqliteOptunaDatabase } from '../../src/db/sqlite-database.js';
import { createArmorPlugins } from '../../src/graphql/armor.js';
import { createGraphQLContext } from '../../src/graphql/context.js';
import { createMaskError } from '../../src/graphql/errors.js';
import { logger } from '../../src/logger.js';
import { schema } from '../../src/graphql/schema.js';
import { copyFixture, type FixtureCopy } from '../support/fixture.js';
import { testServerConfig, type GraphQLResponse } from '../support/graphql-in-process.js';
import { ArtifactEventLog } from '../../src/events/artifact-event-log.js';
import { FileSystemArtifactStore } from '../../src/stores/filesystem-store.js';

let copy: FixtureCopy;
let database: SqliteOptunaDatabase;
let execute: (query: string) => Promise<GraphQLResponse<unknown>>;

beforeAll(() => {
  copy = copyFixture();
  database = openOptunaDatabase(copy.databasePath);
  const services: AppServices = {
    config: testServerConfig('sqlite:///optuna.db'),
    database,
    store: new FileSystemArtifactStore(copy.artifactsPath),
    events: new ArtifactEventLog(),
  };
  const yoga = createYoga({
    schema,
    context: () => createGraphQLContext(services),
    plugins: createArmorPlugins(),
    maskedErrors: { maskError: createMaskError(logger, 'unexpected error in a resolver') },
    logging: false,
  });
  execute = async (query) =>
    (await (
      await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      })
    ).json()) as GraphQLResponse<unknown>;
});
afterAll(async () => {
  await database.close();
  copy.remove();
});

test('a UI-sized query (studies → trials → artifacts with their owners) is allowed', async () => {
  const response = await execute(`{
    studies(first: 20) { totalCount edges { cursor node { id name directions userAttrs trialCount bestTrial { number values }
      artifacts(first: 20) { totalCount edges { cursor node { artifactId filename mimetype size downloadUrl } } }
      trials(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
        id number state values datetimeStart datetimeComplete userAttrs
        params { name value distribution } intermediateValues { step value }
        artifacts(first: 20) { totalCount edges { cursor node { artifactId filename mimetype encoding size sha256 createdAt downloadUrl trial { number study { name } } } } }
      } } }
    } } }
  }`);
  expect(response.errors).toBeUndefined();
});

test('too deep, too many aliases, too large: refused before running', async () => {
  const cycle = 'trials { edges { node { study { ';
  const deep = await execute(`{ studies { edges { node { ${cycle.repeat(4)} name ${'} } } } '.repeat(4)} } } } }`);
  expect(deep.errors?.[0]?.message).toMatch(/depth/i);
  const huge = await execute(
    '{ studies(first: 1000) { edges { node { trials(first: 1000) { edges { node { artifacts(first: 1000) { edges { node { filename } } } } } } } } } }',
  );
  expect(huge.errors?.[0]?.message).toMatch(/cost/i);
  const aliases = Array.from({ length: 20 }, (_, index) => `a${index}: studies { totalCount }`).join(' ');
  expect((await execute(`{ ${aliases} }`)).errors?.[0]?.message).toMatch(/alias/i);
});
