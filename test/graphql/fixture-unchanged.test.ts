// Done-when 5: opening and reading the fixture database does not change its bytes.
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { copyFixture, loadManifest, sha256OfFile } from '../support/fixture.js';
import { createInProcessGraphQL } from '../support/graphql-in-process.js';

test('opening the fixture and reading everything through GraphQL leaves its bytes as they were', async () => {
  const copy = copyFixture();
  const before = sha256OfFile(copy.databasePath);
  const graphql = await createInProcessGraphQL(copy.databasePath);
  const artifactIds = loadManifest().artifacts.map((artifact) => artifact.artifact_id);

  // Within the server's operation limits (src/graphql/armor.ts), as a real client must be: page
  // sizes that fit the fixture, and each artifact looked up in a query of its own.
  const response = await graphql.execute(
    `{
      studies { edges { node { id userAttrs trialCount bestTrial { number } artifacts { totalCount edges { node { id } } }
        trials(first: 20) { totalCount edges { node { id values params { value } intermediateValues { value } userAttrs artifacts { edges { node { id } } } } } } } } }
      artifacts(first: 100) { totalCount edges { cursor node { artifactId study { name } trial { number } } } }
    }`,
  );
  expect(response.errors).toBeUndefined();
  for (const artifactId of artifactIds) {
    const lookup = await graphql.execute(
      'query($id: String!) { artifact(artifactId: $id) { filename trial { number } } }',
      { id: artifactId },
    );
    expect(lookup.errors).toBeUndefined();
  }
  await graphql.close();

  expect(sha256OfFile(copy.databasePath)).toBe(before);
  expect(existsSync(`${copy.databasePath}-journal`)).toBe(false);
  expect(existsSync(`${copy.databasePath}-wal`)).toBe(false);
  copy.remove();
});
