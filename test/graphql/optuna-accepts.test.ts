// Done-when 3: a database the server created and filled through createStudy / createTrial /
// finishTrial is accepted by real Optuna as its own, which reads back the same studies and
// trials — and opening it with Optuna changes nothing (create_all finds nothing to add).
// Needs /usr/bin/python3 with Debian's python3-optuna (CI installs it with apt).
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { encodeArtifactMetaValueJson } from '../../src/artifacts/artifact-meta.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../db/optuna-factory.js';
import { sha256OfFile } from '../support/fixture.js';
import { createInProcessGraphQL, type InProcessGraphQL } from '../support/graphql-in-process.js';
import { inspectWithOptuna, type OptunaView } from '../support/python-optuna.js';

let temporary: TemporaryDatabase;
let graphql: InProcessGraphQL;

async function mutate<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await graphql.execute<Data>(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

const ask = async (studyId: number): Promise<number> =>
  (
    await mutate<{ createTrial: { trialId: number } }>('mutation($s: Int!) { createTrial(studyId: $s) { trialId } }', {
      s: studyId,
    })
  ).createTrial.trialId;

const tell = (trialId: number, state: string, values?: unknown[]) =>
  mutate(
    'mutation($t: Int!, $state: TrialState!, $v: [OptunaFloat!]) { finishTrial(trialId: $t, state: $state, values: $v) { trialId } }',
    {
      t: trialId,
      state,
      v: values,
    },
  );

let single: number;
let multi: number;
let artifactTrialId: number;

beforeAll(async () => {
  temporary = createTemporaryDatabase();
  graphql = await createInProcessGraphQL(temporary.path);
  const studies = await mutate<{ a: { studyId: number }; b: { studyId: number } }>(`mutation {
    a: createStudy(name: "single") { studyId }
    b: createStudy(name: "multi", directions: [MINIMIZE, MAXIMIZE]) { studyId }
  }`);
  single = studies.a.studyId;
  multi = studies.b.studyId;
  await tell(await ask(single), 'COMPLETE', [1.5]);
  await tell(await ask(single), 'COMPLETE', ['Infinity']);
  await tell(await ask(multi), 'COMPLETE', [0.25, '-Infinity']);
  await tell(await ask(single), 'FAIL');
  await tell(await ask(single), 'PRUNED');
  artifactTrialId = await ask(single);
  const valueJson = encodeArtifactMetaValueJson({
    artifactId: 'f0e1d2c3',
    filename: '結果.csv',
    mimetype: 'text/csv',
    encoding: null,
    size: 3,
  });
  await temporary.database.artifactAttributeWrites.insert(
    { kind: 'trial', trialId: artifactTrialId },
    'f0e1d2c3',
    valueJson,
    {
      allowFinishedTrial: false,
    },
  );
});

afterAll(async () => {
  await graphql.close();
  temporary.remove();
});

test.skipIf(!inject('pythonOptuna'))(
  'Optuna accepts the database as its own, and opening it changes not a byte',
  async () => {
    const before = sha256OfFile(temporary.path);
    const view = await inspectWithOptuna(temporary.path);
    expect(view).toMatchObject({ accepted: true, schema_versions: [12], alembic_versions: ['v3.2.0.a'] });
    expect(sha256OfFile(temporary.path)).toBe(before);
  },
);

test.skipIf(!inject('pythonOptuna'))(
  'Optuna reads the same studies, trials, states, values and datetimes',
  async () => {
    const view: OptunaView = await inspectWithOptuna(temporary.path);
    expect(view.studies.map(({ study_id, name, directions }) => ({ study_id, name, directions }))).toEqual([
      { study_id: single, name: 'single', directions: ['MINIMIZE'] },
      { study_id: multi, name: 'multi', directions: ['MINIMIZE', 'MAXIMIZE'] },
    ]);
    const [singleStudy, multiStudy] = view.studies;
    expect(singleStudy!.trials.map(({ number, state, values }) => ({ number, state, values }))).toEqual([
      { number: 0, state: 'COMPLETE', values: [1.5] },
      { number: 1, state: 'COMPLETE', values: ['Infinity'] },
      { number: 2, state: 'FAIL', values: null },
      { number: 3, state: 'PRUNED', values: null },
      { number: 4, state: 'RUNNING', values: null },
    ]);
    expect(multiStudy!.trials.map(({ number, state, values }) => ({ number, state, values }))).toEqual([
      { number: 0, state: 'COMPLETE', values: [0.25, '-Infinity'] },
    ]);

    const served = await graphql.execute<{
      studies: {
        edges: {
          node: { trials: { edges: { node: { datetimeStart: string; datetimeComplete: string | null } }[] } };
        }[];
      };
    }>('{ studies { edges { node { trials { edges { node { datetimeStart datetimeComplete } } } } } } }');
    const servedTimes = served.data!.studies.edges.flatMap((edge) => edge.node.trials.edges.map((trial) => trial.node));
    const optunaTimes = view.studies.flatMap((study) => study.trials);
    // Optuna's naive local datetimes and the server's UTC ISO strings name the same instants.
    const asInstant = (naiveLocal: string | null) =>
      naiveLocal === null ? null : new Date(naiveLocal.replace(' ', 'T')).toISOString().slice(0, 23);
    expect(optunaTimes.map((trial) => [asInstant(trial.datetime_start), asInstant(trial.datetime_complete)])).toEqual(
      servedTimes.map((trial) => [trial.datetimeStart.slice(0, 23), trial.datetimeComplete?.slice(0, 23) ?? null]),
    );
  },
);

test.skipIf(!inject('pythonOptuna'))(
  "Optuna reads the server's artifact metadata as its own system attribute",
  async () => {
    const view = await inspectWithOptuna(temporary.path);
    const trial = view.studies[0]!.trials.find((candidate) => candidate.trial_id === artifactTrialId)!;
    const stored = trial.system_attrs['artifacts:f0e1d2c3'];
    // Optuna's get_all_artifact_meta does ArtifactMeta(**json.loads(value)) on this string.
    expect(typeof stored).toBe('string');
    expect(JSON.parse(stored as string)).toEqual({
      artifact_id: 'f0e1d2c3',
      filename: '結果.csv',
      mimetype: 'text/csv',
      encoding: null,
      size: 3,
    });
  },
);
