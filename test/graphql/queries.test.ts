// The read API's lookups and pagination over the fixture: node ids, finding studies, paging
// trials both ways, caps and bad cursors, artifact lookups and filters.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFixture, loadManifest, type FixtureCopy } from '../support/fixture.js';
import { createInProcessGraphQL, errorCode, type InProcessGraphQL } from '../support/graphql-in-process.js';

const manifest = loadManifest();
let copy: FixtureCopy;
let graphql: InProcessGraphQL;

beforeAll(async () => {
  copy = copyFixture();
  graphql = await createInProcessGraphQL(copy.databasePath);
});
afterAll(async () => {
  expect(graphql.unexpectedErrors).toEqual([]);
  await graphql.close();
  copy.remove();
});

async function data<Data>(query: string, variables?: Record<string, unknown>): Promise<Data> {
  const response = await graphql.execute<Data>(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

describe('node ids', () => {
  test('every Study, Trial and Artifact id fetches the same object through node(id:)', async () => {
    const found = await data<{ study: { id: string }; trial: { id: string }; artifact: { id: string } }>(`{
      study(studyId: 1) { id } trial(trialId: 5) { id } artifact(artifactId: "${manifest.artifacts[0]!.artifact_id}") { id }
    }`);
    const nodes = await data<{ s: unknown; t: unknown; a: unknown }>(
      `query($s: ID!, $t: ID!, $a: ID!) {
        s: node(id: $s) { ... on Study { name } }
        t: node(id: $t) { ... on Trial { number study { name } } }
        a: node(id: $a) { ... on Artifact { filename } }
      }`,
      { s: found.study.id, t: found.trial.id, a: found.artifact.id },
    );
    expect(nodes).toEqual({
      s: { name: 'sample-minimize' },
      t: { number: 4, study: { name: 'sample-minimize' } },
      a: { filename: manifest.artifacts[0]!.filename },
    });
  });

  test('an id of nothing gives null; a malformed id is BAD_USER_INPUT', async () => {
    const missing = Buffer.from('Study:999').toString('base64');
    expect(await data(`{ node(id: "${missing}") { id } }`)).toEqual({ node: null });
    expect(errorCode(await graphql.execute('{ node(id: "garbage!!") { id } }'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await graphql.execute(`{ node(id: "${Buffer.from('Nope:1').toString('base64')}") { id } }`))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('finding studies', () => {
  test('by id, by name, or both (which must agree)', async () => {
    expect(
      await data(`{
        a: study(studyId: 2) { name } b: study(name: "sample-multiobjective") { studyId }
        c: study(studyId: 1, name: "sample-maximize") { name } d: study(name: "nope") { name } e: study(studyId: 42) { name }
      }`),
    ).toEqual({ a: { name: 'sample-maximize' }, b: { studyId: 3 }, c: null, d: null, e: null });
    expect(errorCode(await graphql.execute('{ study { name } }'))).toBe('BAD_USER_INPUT');
  });

  test('nameContains matches part of the name, ASCII case-insensitively, with no wildcards', async () => {
    const names = async (text: string) =>
      (
        await data<{ studies: { totalCount: number; edges: { node: { name: string } }[] } }>(
          'query($text: String) { studies(nameContains: $text) { totalCount edges { node { name } } } }',
          { text },
        )
      ).studies;
    expect(await names('MAX')).toEqual({ totalCount: 1, edges: [{ node: { name: 'sample-maximize' } }] });
    expect((await names('sample-m')).totalCount).toBe(3);
    expect((await names('%')).totalCount).toBe(0);
    expect((await names('sample_')).totalCount).toBe(0);
  });

  test('pages of studies follow each other', async () => {
    const first = await data<{
      studies: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: { node: { studyId: number } }[];
      };
    }>('{ studies(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { studyId } } } }');
    expect(first.studies.totalCount).toBe(3);
    expect(first.studies.edges.map((edge) => edge.node.studyId)).toEqual([1, 2]);
    expect(first.studies.pageInfo.hasNextPage).toBe(true);
    const second = await data<{
      studies: { pageInfo: { hasNextPage: boolean }; edges: { node: { studyId: number } }[] };
    }>(
      'query($after: String) { studies(first: 2, after: $after) { pageInfo { hasNextPage } edges { node { studyId } } } }',
      { after: first.studies.pageInfo.endCursor },
    );
    expect(second.studies).toEqual({ pageInfo: { hasNextPage: false }, edges: [{ node: { studyId: 3 } }] });
  });
});

describe('paging trials', () => {
  type TrialPage = {
    study: {
      trials: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
        edges: { node: { number: number } }[];
      };
    };
  };
  const trialsPage = (args: {
    first?: number;
    last?: number;
    after?: string | null;
    before?: string;
    states?: string[];
  }) =>
    data<TrialPage>(
      `query($first: Int, $last: Int, $after: String, $before: String, $states: [TrialState!]) { study(studyId: 2) {
        trials(first: $first, last: $last, after: $after, before: $before, states: $states) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { number } } } } }`,
      args,
    );
  const numbers = (page: TrialPage) => page.study.trials.edges.map((edge) => edge.node.number);

  test('forward with first/after visits every trial once, in number order', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: TrialPage = await trialsPage({ first: 3, after });
      seen.push(...numbers(page));
      if (!page.study.trials.pageInfo.hasNextPage) break;
      after = page.study.trials.pageInfo.endCursor;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('backward with last/before', async () => {
    const last = await trialsPage({ last: 3 });
    expect(numbers(last)).toEqual([7, 8, 9]);
    expect(last.study.trials.pageInfo.hasPreviousPage).toBe(true);
    const before = await trialsPage({ last: 3, before: last.study.trials.pageInfo.startCursor });
    expect(numbers(before)).toEqual([4, 5, 6]);
  });

  test('a states filter pages and counts only those trials', async () => {
    const page = await trialsPage({ first: 2, states: ['COMPLETE'] });
    expect(page.study.trials.totalCount).toBe(6);
    expect(numbers(page)).toEqual([0, 1]);
  });

  test('trial(number:) of a study', async () => {
    expect(
      await data(
        '{ study(studyId: 3) { trial(number: 2) { trialId values } missing: trial(number: 99) { trialId } } }',
      ),
    ).toEqual({
      study: { trial: { trialId: 20, values: ['Infinity', '-Infinity'] }, missing: null },
    });
  });

  test('page sizes above 1000, negative ones, first with last, and foreign cursors are BAD_USER_INPUT', async () => {
    for (const query of [
      '{ studies(first: 1001) { totalCount } }',
      '{ studies(first: -1) { totalCount } }',
      '{ study(studyId: 1) { trials(first: 1, last: 1) { totalCount } } }',
      '{ study(studyId: 1) { trials(last: 5000) { totalCount } } }',
      '{ study(studyId: 1) { artifacts(first: 1001) { totalCount } } }',
      '{ artifacts(first: 2000) { totalCount } }',
      '{ studies(after: "bm9wZQ") { totalCount } }',
      '{ study(studyId: 1) { trials(after: "c3R1ZHk6djE6MQ") { totalCount } } }',
      '{ artifacts(after: "c3R1ZHk6djE6MQ") { totalCount } }',
    ]) {
      expect(errorCode(await graphql.execute(query)), query).toBe('BAD_USER_INPUT');
    }
    expect(
      (await data<{ studies: { edges: unknown[] } }>('{ studies(first: 1000) { edges { cursor } } }')).studies.edges,
    ).toHaveLength(3);
  });
});

describe('artifacts', () => {
  const legacy = manifest.artifacts.find((artifact) => artifact.kind === 'dashboard-legacy')!;

  test('by id, a legacy dashboard artifact included; a tombstoned or unknown id is null', async () => {
    expect(
      await data(`{
        legacy: artifact(artifactId: "${legacy.artifact_id}") { filename downloadUrl study { name } trial { number } }
        tombstoned: artifact(artifactId: "${manifest.tombstones[0]!.artifact_id}") { filename }
        unknown: artifact(artifactId: "00000000-0000-4000-8000-000000000000") { filename }
      }`),
    ).toEqual({
      legacy: {
        filename: legacy.filename,
        downloadUrl: `/artifacts/${legacy.artifact_id}`,
        study: { name: 'sample-maximize' },
        trial: { number: 0 },
      },
      tombstoned: null,
      unknown: null,
    });
  });

  test("filtered by study (its own and its trials') or by trial (legacy rows included)", async () => {
    const result = await data<{
      byStudy: { totalCount: number };
      byTrial: { edges: { node: { artifactId: string } }[] };
    }>(`{
      byStudy: artifacts(studyId: 2) { totalCount }
      byTrial: artifacts(trialId: ${legacy.owner.trial_id}) { edges { node { artifactId } } }
    }`);
    expect(result.byStudy.totalCount).toBe(
      manifest.artifacts.filter((artifact) => artifact.owner.study_id === 2).length,
    );
    expect(result.byTrial.edges.map((edge) => edge.node.artifactId)).toEqual([legacy.artifact_id]);
  });

  test('an unknown study or trial in the filter is NOT_FOUND', async () => {
    expect(errorCode(await graphql.execute('{ artifacts(studyId: 999) { totalCount } }'))).toBe('NOT_FOUND');
    expect(errorCode(await graphql.execute('{ artifacts(trialId: 999) { totalCount } }'))).toBe('NOT_FOUND');
  });

  test("a trial's artifacts page with cursors", async () => {
    const trialId = 5;
    const all = manifest.artifacts
      .filter((artifact) => artifact.owner.trial_id === trialId)
      .map((artifact) => artifact.artifact_id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        trial: {
          artifacts: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string };
            edges: { node: { artifactId: string } }[];
          };
        };
      } = await data(
        `query($after: String) { trial(trialId: ${trialId}) { artifacts(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { artifactId } } } } }`,
        { after },
      );
      expect(page.trial.artifacts.totalCount).toBe(all.length);
      seen.push(...page.trial.artifacts.edges.map((edge) => edge.node.artifactId));
      if (!page.trial.artifacts.pageInfo.hasNextPage) break;
      after = page.trial.artifacts.pageInfo.endCursor;
    }
    expect(new Set(seen)).toEqual(new Set(all));
    expect(seen).toHaveLength(all.length);
  });
});
