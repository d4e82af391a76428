// What clients see when something goes wrong: stable codes for their mistakes, nothing of
// the server's internals otherwise.
import { expect, test } from 'vitest';
import { OwnerNotFoundError } from '../../src/db/database-errors.js';
import { AppError } from '../../src/errors.js';
import { createTemporaryDatabase } from '../db/optuna-factory.js';
import { createInProcessGraphQL } from '../support/graphql-in-process.js';

test('an AppError keeps its message and carries its code', async () => {
  const temporary = createTemporaryDatabase();
  const graphql = await createInProcessGraphQL(temporary.path);
  const response = await graphql.execute('mutation { createTrial(studyId: 7) { trialId } }');
  expect(response.errors).toEqual([
    expect.objectContaining({
      message: 'No study with id 7',
      path: ['createTrial'],
      extensions: { code: 'NOT_FOUND' },
    }),
  ]);
  expect(graphql.unexpectedErrors).toEqual([]);
  await graphql.close();
  temporary.remove();
});

test('writes the database refuses reach the client as the client error each means', async () => {
  const temporary = createTemporaryDatabase();
  const graphql = await createInProcessGraphQL(temporary.path);
  await graphql.execute('mutation { createStudy(name: "taken") { studyId } }');
  const refusals = [
    ['mutation { createStudy(name: "taken") { studyId } }', 'A study named "taken" already exists', 'BAD_USER_INPUT'],
    ['mutation { finishTrial(trialId: 9, state: FAIL) { trialId } }', 'No trial with id 9', 'NOT_FOUND'],
  ] as const;
  for (const [mutation, message, code] of refusals) {
    const response = await graphql.execute(mutation);
    expect(response.errors).toEqual([expect.objectContaining({ message, extensions: { code } })]);
  }
  expect(graphql.unexpectedErrors).toEqual([]);
  await graphql.close();
  temporary.remove();
});

test('the database layer refuses with its own typed errors, not client errors', async () => {
  const temporary = createTemporaryDatabase();
  const writes = temporary.database.trialWrites;
  await expect(writes.create(7)).rejects.toEqual(expect.objectContaining({ kind: 'study', id: 7 }));
  await expect(writes.create(7)).rejects.toBeInstanceOf(OwnerNotFoundError);
  await expect(writes.create(7)).rejects.not.toBeInstanceOf(AppError);
  await temporary.database.close();
  temporary.remove();
});

test('an unexpected failure is masked for the client and logged for the operator', async () => {
  const temporary = createTemporaryDatabase();
  const graphql = await createInProcessGraphQL(temporary.path);
  await graphql.services.database.close();
  const response = await graphql.execute('{ studies { totalCount } }');
  expect(response.errors).toEqual([
    expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
  ]);
  expect(JSON.stringify(response)).not.toMatch(/database|sqlite/i);
  expect(graphql.unexpectedErrors).toHaveLength(1);
  await graphql.close();
  temporary.remove();
});

test('syntax and validation errors pass through as GraphQL reports them', async () => {
  const temporary = createTemporaryDatabase();
  const graphql = await createInProcessGraphQL(temporary.path);
  const response = await graphql.execute('{ studies { nope } }');
  expect(response.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
  expect(graphql.unexpectedErrors).toEqual([]);
  await graphql.close();
  temporary.remove();
});
