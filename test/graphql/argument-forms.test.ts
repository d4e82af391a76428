// Every argument of every query and mutation is honoured the same whether written as a literal,
// as a variable of another name, as a variable's default, inside a fragment, or in one of
// several operations — on the production server, over HTTP (uploads as real multipart bodies).
// Each case's answer is written out once; every form must give exactly it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  argumentFormNames,
  argumentForms,
  type ArgumentValue,
  type OperationTemplate,
  type WrittenOperation,
} from '../support/argument-forms.js';
import { uploadTextArtifact } from '../support/multipart.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/test-server.js';

/** What a form must answer: the data, and the code and path of each error. */
interface Answer {
  data: unknown;
  errors?: { code: string | undefined; path: (string | number)[] | undefined }[];
}

interface ArgumentCase {
  name: string;
  /** Builds the operation; called once per form, so a mutation can act on something fresh. */
  operation: () => Promise<OperationTemplate> | OperationTemplate;
  answer: (args: Record<string, unknown>) => Answer;
  /** Bytes of an upload's `$blob` variable. */
  upload?: { filename: string; content: string };
}

let server: TestServer;
const ids = {
  alpha: 0,
  beta: 0,
  t0: 0,
  t1: 0,
  t2: 0,
  t3: 0,
  alphaArtifact: '',
  t0First: '',
  t0Second: '',
  betaArtifact: '',
};
const cursors = { firstStudy: '', firstTrial: '', lastTrial: '', newestAlphaArtifact: '' };

async function run<Data = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return (await response.json()) as GraphQLResponse<Data>;
}

async function data<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await run<Data>(query, variables);
  if (response.errors) throw new Error(`setup failed: ${JSON.stringify(response.errors)}`);
  return response.data!;
}

const uploadTo = (owner: { studyId: number } | { trialId: number }, filename: string) =>
  uploadTextArtifact(server.url, owner, filename);

async function newTrial(studyId: number): Promise<number> {
  return (
    await data<{ createTrial: { trialId: number } }>('mutation($s: Int!) { createTrial(studyId: $s) { trialId } }', {
      s: studyId,
    })
  ).createTrial.trialId;
}

beforeAll(async () => {
  server = await startTestServer();
  ids.alpha = (
    await data<{ createStudy: { studyId: number } }>('mutation { createStudy(name: "alpha") { studyId } }')
  ).createStudy.studyId;
  ids.beta = (
    await data<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "beta", directions: [MINIMIZE, MAXIMIZE]) { studyId } }',
    )
  ).createStudy.studyId;
  ids.t0 = await newTrial(ids.alpha);
  ids.t1 = await newTrial(ids.alpha);
  ids.t2 = await newTrial(ids.alpha);
  ids.t3 = await newTrial(ids.alpha);
  await data('mutation($t: Int!) { finishTrial(trialId: $t, state: COMPLETE, values: [2]) { state } }', { t: ids.t0 });
  await data('mutation($t: Int!) { finishTrial(trialId: $t, state: COMPLETE, values: [1]) { state } }', { t: ids.t1 });
  await data('mutation($t: Int!) { finishTrial(trialId: $t, state: FAIL) { state } }', { t: ids.t3 });
  ids.alphaArtifact = await uploadTo({ studyId: ids.alpha }, 'alpha.txt');
  ids.t0First = await uploadTo({ trialId: ids.t2 }, 't2-first.txt');
  ids.t0Second = await uploadTo({ trialId: ids.t2 }, 't2-second.txt');
  ids.betaArtifact = await uploadTo({ studyId: ids.beta }, 'beta.txt');

  const studies = await data<{ studies: { edges: { cursor: string }[] } }>(
    '{ studies(first: 1) { edges { cursor } } }',
  );
  cursors.firstStudy = studies.studies.edges[0]!.cursor;
  const trials = await data<{ study: { trials: { edges: { cursor: string }[] } } }>(
    `{ study(studyId: ${ids.alpha}) { trials { edges { cursor } } } }`,
  );
  cursors.firstTrial = trials.study.trials.edges[0]!.cursor;
  cursors.lastTrial = trials.study.trials.edges.at(-1)!.cursor;
  const artifacts = await data<{ artifacts: { edges: { cursor: string }[] } }>(
    `{ artifacts(studyId: ${ids.alpha}, first: 1) { edges { cursor } } }`,
  );
  cursors.newestAlphaArtifact = artifacts.artifacts.edges[0]!.cursor;
});

afterAll(async () => {
  await server.stop();
});

const int = (value: number | null): ArgumentValue => ({ type: 'Int', value });
const requiredInt = (value: number): ArgumentValue => ({ type: 'Int!', value });
const string = (value: string | null): ArgumentValue => ({ type: 'String', value });
const requiredString = (value: string): ArgumentValue => ({ type: 'String!', value });
const states = (...value: string[]): ArgumentValue => ({ type: '[TrialState!]', value });
const query = (selection: string, args: Record<string, ArgumentValue>): OperationTemplate => ({
  kind: 'query',
  selection,
  args,
});
const mutation = (selection: string, args: Record<string, ArgumentValue>): OperationTemplate => ({
  kind: 'mutation',
  selection,
  args,
});
const refused = (code: string, path: string[], data: unknown = null): Answer => ({ data, errors: [{ code, path }] });
let uniqueName = 0;

const queryCases: ArgumentCase[] = [
  {
    name: 'study(studyId)',
    operation: () => query('study(studyId: %studyId) { name }', { studyId: int(ids.beta) }),
    answer: () => ({ data: { study: { name: 'beta' } } }),
  },
  {
    name: 'study(name)',
    operation: () => query('study(name: %name) { studyId }', { name: string('alpha') }),
    answer: () => ({ data: { study: { studyId: ids.alpha } } }),
  },
  {
    name: 'study(studyId, name) that disagree',
    operation: () =>
      query('study(studyId: %studyId, name: %name) { studyId }', { studyId: int(ids.beta), name: string('alpha') }),
    answer: () => ({ data: { study: null } }),
  },
  {
    name: 'studies(first, after, nameContains)',
    operation: () =>
      query(
        'studies(first: %first, after: %after, nameContains: %nameContains) { totalCount edges { node { name } } }',
        {
          first: int(5),
          after: string(cursors.firstStudy),
          nameContains: string('ETA'),
        },
      ),
    answer: () => ({ data: { studies: { totalCount: 1, edges: [{ node: { name: 'beta' } }] } } }),
  },
  {
    name: 'trial(trialId)',
    operation: () => query('trial(trialId: %trialId) { number state }', { trialId: requiredInt(ids.t3) }),
    answer: () => ({ data: { trial: { number: 3, state: 'FAIL' } } }),
  },
  {
    name: 'Study.trials(states, first, after) and trialCount(states)',
    operation: () =>
      query(
        'study(studyId: %studyId) { trials(states: %states, first: %first, after: %after) { edges { node { number } } } trialCount(states: %counted) }',
        {
          studyId: int(ids.alpha),
          states: states('COMPLETE', 'FAIL'),
          first: int(1),
          after: string(cursors.firstTrial),
          counted: states('COMPLETE'),
        },
      ),
    answer: () => ({ data: { study: { trials: { edges: [{ node: { number: 1 } }] }, trialCount: 2 } } }),
  },
  {
    name: 'Study.trials(last, before) and Study.trial(number)',
    operation: () =>
      query(
        'study(studyId: %studyId) { trials(last: %last, before: %before) { edges { node { number } } } trial(number: %number) { state } }',
        {
          studyId: int(ids.alpha),
          last: int(2),
          before: string(cursors.lastTrial),
          number: requiredInt(2),
        },
      ),
    answer: () => ({
      data: {
        study: { trials: { edges: [{ node: { number: 1 } }, { node: { number: 2 } }] }, trial: { state: 'RUNNING' } },
      },
    }),
  },
  {
    name: 'artifact(artifactId)',
    operation: () =>
      query('artifact(artifactId: %artifactId) { filename }', { artifactId: requiredString(ids.betaArtifact) }),
    answer: () => ({ data: { artifact: { filename: 'beta.txt' } } }),
  },
  {
    name: 'artifacts(studyId, first, after)',
    operation: () =>
      query('artifacts(studyId: %studyId, first: %first, after: %after) { totalCount edges { node { filename } } }', {
        studyId: int(ids.alpha),
        first: int(1),
        after: string(cursors.newestAlphaArtifact),
      }),
    answer: () => ({ data: { artifacts: { totalCount: 3, edges: [{ node: { filename: 't2-first.txt' } }] } } }),
  },
  {
    name: 'artifacts(trialId) and Trial.artifacts(first)',
    operation: () =>
      query(
        'artifacts(trialId: %trialId) { totalCount } trial(trialId: %same) { artifacts(first: %first) { edges { node { filename } } } }',
        {
          trialId: int(ids.t2),
          same: requiredInt(ids.t2),
          first: int(1),
        },
      ),
    answer: () => ({
      data: {
        artifacts: { totalCount: 2 },
        trial: { artifacts: { edges: [{ node: { filename: 't2-second.txt' } }] } },
      },
    }),
  },
  {
    name: '@include(if) and @skip(if)',
    operation: () =>
      query('study(studyId: %studyId) { name @include(if: %include) directions @skip(if: %skip) }', {
        studyId: int(ids.beta),
        include: { type: 'Boolean!', value: false },
        skip: { type: 'Boolean!', value: false },
      }),
    answer: () => ({ data: { study: { directions: ['MINIMIZE', 'MAXIMIZE'] } } }),
  },
  {
    name: 'an unknown study in artifacts(studyId)',
    operation: () => query('artifacts(studyId: %studyId) { totalCount }', { studyId: int(999) }),
    answer: () => refused('NOT_FOUND', ['artifacts']),
  },
  {
    name: 'a page too large in artifacts(first)',
    operation: () => query('artifacts(first: %first) { totalCount }', { first: int(5000) }),
    answer: () => refused('BAD_USER_INPUT', ['artifacts']),
  },
  {
    name: 'a malformed cursor in Study.trials(after)',
    operation: () =>
      query('study(studyId: %studyId) { trials(after: %after) { totalCount } }', {
        studyId: int(ids.alpha),
        after: string('garbage'),
      }),
    answer: () => refused('BAD_USER_INPUT', ['study', 'trials'], { study: null }),
  },
];

const mutationCases: ArgumentCase[] = [
  {
    name: 'createStudy(name, directions)',
    operation: () =>
      mutation('createStudy(name: %name, directions: %directions) { name directions }', {
        name: requiredString(`created-${++uniqueName}`),
        directions: { type: '[StudyDirection!]', value: ['MAXIMIZE', 'MINIMIZE'] },
      }),
    answer: (args) => ({ data: { createStudy: { name: args.name, directions: ['MAXIMIZE', 'MINIMIZE'] } } }),
  },
  {
    name: 'createStudy with more directions than a study may have',
    operation: () =>
      mutation('createStudy(name: %name, directions: %directions) { name }', {
        name: requiredString(`too-many-${++uniqueName}`),
        directions: { type: '[StudyDirection!]', value: Array.from({ length: 101 }, () => 'MINIMIZE') },
      }),
    answer: () => refused('BAD_USER_INPUT', ['createStudy']),
  },
  {
    name: 'createTrial(studyId)',
    operation: () =>
      mutation('createTrial(studyId: %studyId) { state study { studyId } }', { studyId: requiredInt(ids.beta) }),
    answer: () => ({ data: { createTrial: { state: 'RUNNING', study: { studyId: ids.beta } } } }),
  },
  {
    name: 'createTrial of an unknown study',
    operation: () => mutation('createTrial(studyId: %studyId) { state }', { studyId: requiredInt(999) }),
    answer: () => refused('NOT_FOUND', ['createTrial']),
  },
  {
    name: 'finishTrial(trialId, state, values)',
    operation: async () =>
      mutation('finishTrial(trialId: %trialId, state: %state, values: %values) { trialId state values }', {
        trialId: requiredInt(await newTrial(ids.beta)),
        state: { type: 'TrialState!', value: 'COMPLETE' },
        values: { type: '[OptunaFloat!]', value: [0.5, 'Infinity'] },
      }),
    answer: (args) => ({
      data: { finishTrial: { trialId: args.trialId, state: 'COMPLETE', values: [0.5, 'Infinity'] } },
    }),
  },
  {
    name: 'finishTrial with NaN (refused by the tell rules, not by input coercion)',
    operation: async () =>
      mutation('finishTrial(trialId: %trialId, state: %state, values: %values) { state }', {
        trialId: requiredInt(await newTrial(ids.alpha)),
        state: { type: 'TrialState!', value: 'COMPLETE' },
        values: { type: '[OptunaFloat!]', value: ['NaN'] },
      }),
    answer: () => refused('BAD_USER_INPUT', ['finishTrial']),
  },
  {
    name: 'deleteArtifact(artifactId)',
    operation: async () =>
      mutation('deleteArtifact(artifactId: %artifactId) { artifactId studyId trialId }', {
        artifactId: requiredString(await uploadTo({ trialId: ids.t2 }, 'to-delete.txt')),
      }),
    answer: (args) => ({
      data: { deleteArtifact: { artifactId: args.artifactId, studyId: ids.alpha, trialId: ids.t2 } },
    }),
  },
  {
    name: 'uploadArtifact(trialId, filename, mimetype, encoding)',
    upload: { filename: 'ignored.bin', content: 'uploaded bytes' },
    operation: () => ({
      ...mutation(
        'uploadArtifact(trialId: %trialId, file: $blob, filename: %filename, mimetype: %mimetype, encoding: %encoding) { filename mimetype encoding size study { studyId } trial { trialId } }',
        {
          trialId: int(ids.t2),
          filename: string('named.csv'),
          mimetype: string('text/csv'),
          encoding: string('gzip'),
        },
      ),
      fixedVariables: { blob: 'Upload!' },
    }),
    answer: () => ({
      data: {
        uploadArtifact: {
          filename: 'named.csv',
          mimetype: 'text/csv',
          encoding: 'gzip',
          size: 14,
          study: { studyId: ids.alpha },
          trial: { trialId: ids.t2 },
        },
      },
    }),
  },
  {
    name: 'uploadArtifact(studyId)',
    upload: { filename: 'plot.png', content: 'png' },
    operation: () => ({
      ...mutation(
        'uploadArtifact(studyId: %studyId, file: $blob) { filename mimetype study { studyId } trial { trialId } }',
        { studyId: int(ids.beta) },
      ),
      fixedVariables: { blob: 'Upload!' },
    }),
    answer: () => ({
      data: {
        uploadArtifact: { filename: 'plot.png', mimetype: 'image/png', study: { studyId: ids.beta }, trial: null },
      },
    }),
  },
  {
    name: 'uploadArtifact to an unknown trial',
    upload: { filename: 'lost.txt', content: 'lost' },
    operation: () => ({
      ...mutation('uploadArtifact(trialId: %trialId, file: $blob) { filename }', { trialId: int(999) }),
      fixedVariables: { blob: 'Upload!' },
    }),
    // The field is nullable (an alias that stored its file keeps its id in `data`).
    answer: () => refused('NOT_FOUND', ['uploadArtifact'], { uploadArtifact: null }),
  },
];

async function answerOf(written: WrittenOperation, upload: ArgumentCase['upload']): Promise<Answer> {
  const send = (operationName: string | undefined) =>
    upload ? sendUpload(written, operationName, upload) : run(written.query, written.variables, operationName);
  if (written.warmUpOperationName) await send(written.warmUpOperationName);
  const response = await send(written.operationName);
  const answer: Answer = { data: response.data ?? null };
  if (response.errors)
    answer.errors = response.errors.map((error) => ({ code: error.extensions?.code, path: error.path }));
  return answer;
}

/** A multipart request (the GraphQL multipart request spec) whose file is the `$blob` variable. */
async function sendUpload(
  written: WrittenOperation,
  operationName: string | undefined,
  upload: NonNullable<ArgumentCase['upload']>,
): Promise<GraphQLResponse> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({ query: written.query, variables: { ...written.variables, blob: null }, operationName }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.blob'] }));
  form.append('0', new Blob([upload.content]), upload.filename);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'x-graphql-yoga-csrf': '1' },
    body: form,
  });
  return (await response.json()) as GraphQLResponse;
}

const describeCases = (title: string, cases: ArgumentCase[]) =>
  describe.each(cases)(`${title}: $name`, (argumentCase) => {
    test.each(argumentFormNames)('%s', async (formName) => {
      // A fresh template per form: a mutation acts on something of its own.
      const template = await argumentCase.operation();
      const written = argumentForms(template).find((form) => form.form === formName)!;
      const args = Object.fromEntries(Object.entries(template.args).map(([name, { value }]) => [name, value]));
      expect(await answerOf(written, argumentCase.upload)).toEqual(argumentCase.answer(args));
    });
  });

describeCases('query', queryCases);
describeCases('mutation', mutationCases);
