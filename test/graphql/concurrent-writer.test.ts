// Python Optuna writing the same file at the same time must never surface "database is
// locked" to a GraphQL client: the server waits (busy timeout) and then succeeds.
import { expect, test } from 'vitest';
import { createTemporaryDatabase } from '../db/optuna-factory.js';
import { createInProcessGraphQL } from '../support/graphql-in-process.js';
import { holdWriteLock } from '../support/python-optuna.js';

test('a mutation issued while another process holds the write lock waits and succeeds', async () => {
  const temporary = createTemporaryDatabase();
  const graphql = await createInProcessGraphQL(temporary.path);
  const study = await graphql.execute<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "s") { studyId } }',
  );

  const lock = await holdWriteLock(temporary.path, 0.5);
  const response = await graphql.execute<{ createTrial: { number: number } }>(
    `mutation { createTrial(studyId: ${study.data!.createStudy.studyId}) { number } }`,
  );
  await lock.released;

  expect(response.errors).toBeUndefined();
  expect(response.data!.createTrial.number).toBe(0);
  const read = await graphql.execute('{ studies { totalCount } }');
  expect(read.errors).toBeUndefined();
  await graphql.close();
  temporary.remove();
});
