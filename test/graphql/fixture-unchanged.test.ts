// Done-when 5: opening and reading the fixture database does not change its bytes.
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { openOptunaDatabase } from '../../src/db/sqlite-database.js';
import { copyFixture, loadManifest, sha256OfFile } from '../support/fixture.js';
import { createInProcessGraphQL } from '../support/graphql-in-process.js';

test('opening the fixture and reading everything through GraphQL leaves its bytes as they were', async () => {
  const copy = copyFixture();
  const before = sha256OfFile(copy.databasePath);
  const database = openOptunaDatabase(copy.databasePath);
  const graphql = createInProcessGraphQL(database);
  const artifactIds = loadManifest().artifacts.map((artifact) => artifact.artifact_id);

  const byId = artifactIds.map((id, index) => `a${index}: artifact(artifactId: "${id}") { filename trial { number } }`).join('\n');
  const response = await graphql.execute(
    `{
      studies { edges { node { id userAttrs trialCount bestTrial { number } artifacts { totalCount edges { node { id } } }
        trials(first: 1000) { totalCount edges { node { id values params { value } intermediateValues { value } userAttrs artifacts { edges { node { id } } } } } } } } }
      artifacts(first: 1000) { totalCount edges { cursor node { artifactId study { name } trial { number } } } }
      ${byId}
    }`,
  );
  expect(response.errors).toBeUndefined();
  database.close();

  expect(sha256OfFile(copy.databasePath)).toBe(before);
  expect(existsSync(`${copy.databasePath}-journal`)).toBe(false);
  expect(existsSync(`${copy.databasePath}-wal`)).toBe(false);
  copy.remove();
});
