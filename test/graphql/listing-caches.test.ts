// What the listing's speed-ups must not change: decoded rows are cached by their content, so a
// row changed in place (as Optuna or optuna-dashboard may do) shows its new content at once;
// trial fields loaded ahead of time are only those selected (and not skipped); cursors that
// are computed lazily are the same cursors.
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { encodeArtifactMetaValueJson } from '../../src/artifacts/artifact-meta.js';
import {
  buildArtifact,
  buildStudy,
  buildTrial,
  createTemporaryDatabase,
  type TemporaryDatabase,
} from '../db/optuna-factory.js';
import { createInProcessGraphQL, type InProcessGraphQL } from '../support/graphql-in-process.js';

let temporary: TemporaryDatabase;
let graphql: InProcessGraphQL;

beforeEach(async () => {
  temporary = createTemporaryDatabase();
  graphql = await createInProcessGraphQL(temporary.path);
});

afterEach(async () => {
  await graphql.close();
  temporary.remove();
});

interface ListingData {
  study: {
    trials: {
      edges: {
        cursor: string;
        node: {
          number: number;
          params: { value: unknown }[];
          artifacts: { edges: { cursor: string; node: { filename: string } }[] };
        };
      }[];
      pageInfo: { startCursor: string | null; endCursor: string | null };
    };
  };
}

const listing = /* GraphQL */ `
  query ($studyId: Int!) {
    study(studyId: $studyId) {
      trials(first: 10) {
        edges {
          cursor
          node {
            number
            params {
              value
            }
            artifacts {
              edges {
                cursor
                node {
                  filename
                }
              }
            }
          }
        }
        pageInfo {
          startCursor
          endCursor
        }
      }
    }
  }
`;

test('a metadata row rewritten in place is listed with its new content, not the decoded one from before', async () => {
  const { database } = temporary;
  const study = await buildStudy(database);
  const trial = await buildTrial(database, study.studyId, { params: { x: 1.5 } });
  const artifact = await buildArtifact(database, { kind: 'trial', trialId: trial.trialId }, { filename: 'before.png' });
  const filenames = async () => {
    const response = await graphql.execute<ListingData>(listing, { studyId: study.studyId });
    expect(response.errors).toBeUndefined();
    return response.data!.study.trials.edges[0]!.node.artifacts.edges.map((edge) => edge.node.filename);
  };
  expect(await filenames()).toEqual(['before.png']);

  const rewritten = encodeArtifactMetaValueJson({
    artifactId: artifact.artifactId,
    filename: 'after.png',
    mimetype: 'image/png',
    encoding: null,
  });
  database.orm.run(sql`UPDATE trial_system_attributes SET value_json = ${rewritten} WHERE trial_id = ${trial.trialId}`);
  expect(await filenames()).toEqual(['after.png']);

  // optuna-dashboard's delete: the same row becomes a tombstone.
  database.orm.run(sql`UPDATE trial_system_attributes SET value_json = 'null' WHERE trial_id = ${trial.trialId}`);
  expect(await filenames()).toEqual([]);
});

test('lazily computed cursors are the cursors a page hands out, and page on as before', async () => {
  const { database } = temporary;
  const study = await buildStudy(database);
  for (let index = 0; index < 3; index += 1) {
    const trial = await buildTrial(database, study.studyId);
    await buildArtifact(database, { kind: 'trial', trialId: trial.trialId });
    await buildArtifact(database, { kind: 'trial', trialId: trial.trialId });
  }
  const response = await graphql.execute<ListingData>(listing, { studyId: study.studyId });
  expect(response.errors).toBeUndefined();
  const { edges, pageInfo } = response.data!.study.trials;
  expect(edges).toHaveLength(3);
  expect(pageInfo.startCursor).toBe(edges[0]!.cursor);
  expect(pageInfo.endCursor).toBe(edges[2]!.cursor);

  const next = await graphql.execute<{ study: { trials: { edges: { node: { number: number } }[] } } }>(
    `query ($studyId: Int!, $after: String!) { study(studyId: $studyId) { trials(first: 10, after: $after) { edges { node { number } } } } }`,
    { studyId: study.studyId, after: edges[0]!.cursor },
  );
  expect(next.data!.study.trials.edges.map((edge) => edge.node.number)).toEqual([1, 2]);

  const artifactEdges = edges[0]!.node.artifacts.edges;
  const rest = await graphql.execute<{ trial: { artifacts: { edges: { node: { filename: string } }[] } } }>(
    `query ($trialId: Int!, $after: String!) { trial(trialId: $trialId) { artifacts(after: $after) { edges { node { filename } } } } }`,
    { trialId: (await trialIds(study.studyId))[0], after: artifactEdges[0]!.cursor },
  );
  expect(rest.data!.trial.artifacts.edges.map((edge) => edge.node.filename)).toEqual([artifactEdges[1]!.node.filename]);
});

async function trialIds(studyId: number): Promise<number[]> {
  const response = await graphql.execute<{ study: { trials: { edges: { node: { trialId: number } }[] } } }>(
    `query ($studyId: Int!) { study(studyId: $studyId) { trials { edges { node { trialId } } } } }`,
    { studyId },
  );
  return response.data!.study.trials.edges.map((edge) => edge.node.trialId);
}

test('only the selected trial fields are loaded ahead, fragments included and @skip/@include honoured', async () => {
  const { database } = temporary;
  const study = await buildStudy(database);
  for (let index = 0; index < 3; index += 1) await buildTrial(database, study.studyId, { params: { x: index } });
  const statements = async (query: string, variables: Record<string, unknown> = {}): Promise<string[]> => {
    const texts: string[] = [];
    const stop = graphql.services.database.statements.onStatement((text) => texts.push(text));
    try {
      const response = await graphql.execute(query, { studyId: study.studyId, ...variables });
      expect(response.errors).toBeUndefined();
    } finally {
      stop();
    }
    return texts;
  };
  const touches = (texts: string[], table: string) => texts.some((text) => new RegExp(`FROM ${table}\\b`).test(text));

  const plain = await statements(
    `query ($studyId: Int!) { study(studyId: $studyId) { trials { edges { node { number } } } } }`,
  );
  expect(touches(plain, 'trial_params')).toBe(false);
  expect(touches(plain, 'trial_values')).toBe(false);

  const viaFragment = await statements(
    `query ($studyId: Int!) { study(studyId: $studyId) { trials { edges { node { ...P } } } } } fragment P on Trial { params { value } }`,
  );
  expect(viaFragment.filter((text) => /FROM trial_params\b/.test(text))).toHaveLength(1);

  const skipped = await statements(
    `query ($studyId: Int!, $no: Boolean!) { study(studyId: $studyId) { trials { edges { node { number params @include(if: $no) { value } values @skip(if: true) } } } } }`,
    { no: false },
  );
  expect(touches(skipped, 'trial_params')).toBe(false);
  expect(touches(skipped, 'trial_values')).toBe(false);
});
