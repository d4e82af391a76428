// Done-when 4: nested lists go through set-based loaders, so the number of SQL statements of
// `studies { trials(first: N) { artifacts … } }` does not grow with N.
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  buildArtifact,
  buildStudy,
  buildTrial,
  createTemporaryDatabase,
  type TemporaryDatabase,
} from '../db/optuna-factory.js';
import { createInProcessGraphQL, type InProcessGraphQL } from '../support/graphql-in-process.js';

const nestedQuery = /* GraphQL */ `
  query Nested($n: Int!) {
    studies(first: 10) {
      totalCount
      edges {
        node {
          name
          userAttrs
          trialCount
          bestTrial {
            number
          }
          artifacts {
            totalCount
            edges {
              node {
                artifactId
              }
            }
          }
          trials(first: $n) {
            totalCount
            edges {
              node {
                number
                state
                values
                userAttrs
                datetimeStart
                params {
                  name
                  value
                }
                intermediateValues {
                  step
                  value
                }
                study {
                  name
                }
                artifacts(first: 10) {
                  totalCount
                  edges {
                    cursor
                    node {
                      artifactId
                      filename
                      size
                      trial {
                        number
                      }
                      study {
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

let temporary: TemporaryDatabase;
let graphql: InProcessGraphQL;

beforeAll(async () => {
  temporary = createTemporaryDatabase();
  const { database } = temporary;
  // One outer transaction makes the many small writes of the setup fast (they nest as savepoints).
  database.connection.exec('BEGIN');
  await buildStudies(database);
  database.connection.exec('COMMIT');
  graphql = await createInProcessGraphQL(temporary.path);
});

async function buildStudies(database: TemporaryDatabase['database']): Promise<void> {
  for (let studyIndex = 0; studyIndex < 3; studyIndex += 1) {
    const study = await buildStudy(database);
    await buildArtifact(database, { kind: 'study', studyId: study.studyId });
    for (let trialIndex = 0; trialIndex < 60; trialIndex += 1) {
      const trial = await buildTrial(database, study.studyId, {
        params: { x: trialIndex / 10 },
        intermediateValues: [1, 0.5],
        userAttrs: { index: trialIndex },
      });
      await buildArtifact(database, { kind: 'trial', trialId: trial.trialId }, { size: 10 });
      await buildArtifact(database, { kind: 'trial', trialId: trial.trialId });
      await database.trialWrites.finish(trial.trialId, { state: 'COMPLETE', values: [trialIndex] });
    }
  }
}

afterAll(async () => {
  await graphql.close();
  temporary.remove();
});

async function statementsFor(n: number): Promise<{ count: number; trials: number; artifacts: number }> {
  // The server's own connection: its statements are the ones the query caused.
  const { statements } = graphql.services.database;
  const before = statements.count;

  const response = await graphql.execute<{
    studies: { edges: { node: { trials: { edges: { node: { artifacts: { edges: unknown[] } } }[] } } }[] };
  }>(nestedQuery, { n });
  expect(response.errors).toBeUndefined();
  const trials = response.data!.studies.edges.flatMap((edge) => edge.node.trials.edges);
  return {
    count: statements.count - before,
    trials: trials.length,
    artifacts: trials.flatMap((trial) => trial.node.artifacts.edges).length,
  };
}

test('the statement count is the same for 2 and for 50 trials per study', async () => {
  const small = await statementsFor(2);
  const large = await statementsFor(50);
  expect(small).toMatchObject({ trials: 6, artifacts: 12 });
  expect(large).toMatchObject({ trials: 150, artifacts: 300 });
  expect(large.count).toBe(small.count);
  // One statement per kind of thing loaded (studies, counts, best trials, trial pages, values,
  // params, …), never one per row.
  expect(small.count).toBeLessThanOrEqual(14);
});
