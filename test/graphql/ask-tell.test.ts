// createStudy / createTrial / finishTrial follow Optuna's create_study, ask and tell, and
// refuse what Optuna refuses with stable error codes.
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTemporaryDatabase, type TemporaryDatabase } from '../db/optuna-factory.js';
import { createInProcessGraphQL, errorCode, type InProcessGraphQL } from '../support/graphql-in-process.js';

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

interface TrialResult {
  trialId: number;
  number: number;
  state: string;
  values: (number | string)[] | null;
  datetimeStart: string | null;
  datetimeComplete: string | null;
}
const trialFields = 'trialId number state values datetimeStart datetimeComplete';

async function createStudy(name: string, directions?: string[]): Promise<number> {
  const response = await graphql.execute<{ createStudy: { studyId: number } }>(
    'mutation($name: String!, $directions: [StudyDirection!]) { createStudy(name: $name, directions: $directions) { studyId } }',
    { name, directions },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createStudy.studyId;
}

const createTrial = (studyId: number) =>
  graphql.execute<{ createTrial: TrialResult }>(
    `mutation($studyId: Int!) { createTrial(studyId: $studyId) { ${trialFields} } }`,
    { studyId },
  );

const finishTrial = (trialId: number, state: string, values?: unknown[]) =>
  graphql.execute<{ finishTrial: TrialResult }>(
    `mutation($trialId: Int!, $state: TrialState!, $values: [OptunaFloat!]) {
      finishTrial(trialId: $trialId, state: $state, values: $values) { ${trialFields} }
    }`,
    { trialId, state, values },
  );

async function runningTrial(studyId: number): Promise<TrialResult> {
  const response = await createTrial(studyId);
  expect(response.errors).toBeUndefined();
  return response.data!.createTrial;
}

describe('createStudy', () => {
  test("has Optuna's default direction, or the ones given", async () => {
    const response = await graphql.execute<{ a: { directions: string[] }; b: { directions: string[] } }>(`mutation {
      a: createStudy(name: "a") { directions }
      b: createStudy(name: "b", directions: [MAXIMIZE, MINIMIZE]) { directions }
    }`);
    expect(response.data).toEqual({ a: { directions: ['MINIMIZE'] }, b: { directions: ['MAXIMIZE', 'MINIMIZE'] } });
  });

  test('refuses a taken name and NOT_SET with BAD_USER_INPUT', async () => {
    await createStudy('taken');
    expect(errorCode(await graphql.execute('mutation { createStudy(name: "taken") { studyId } }'))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      errorCode(await graphql.execute('mutation { createStudy(name: "x", directions: [NOT_SET]) { studyId } }')),
    ).toBe('BAD_USER_INPUT');
    expect(await temporary.database.studies.count()).toBe(1);
  });
});

describe('createTrial (ask)', () => {
  test('creates RUNNING trials numbered within their study, started now', async () => {
    const first = await createStudy('first');
    const second = await createStudy('second');
    const numbers = [];
    for (const studyId of [first, second, first, first, second]) numbers.push((await runningTrial(studyId)).number);
    expect(numbers).toEqual([0, 0, 1, 2, 1]);
    const trial = await runningTrial(first);
    expect(trial).toMatchObject({ number: 3, state: 'RUNNING', values: null, datetimeComplete: null });
    expect(Math.abs(Date.parse(trial.datetimeStart!) - Date.now())).toBeLessThan(60_000);
  });

  test("writes datetimes in Optuna's text format", async () => {
    const trial = await runningTrial(await createStudy('s'));
    await finishTrial(trial.trialId, 'FAIL');
    const row = temporary.database.orm.get<{ datetime_start: string; datetime_complete: string }>(
      sql`SELECT datetime_start, datetime_complete FROM trials WHERE trial_id = ${trial.trialId}`,
    );
    expect(row!.datetime_start).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(row!.datetime_complete).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });

  test('an unknown study is NOT_FOUND', async () => {
    expect(errorCode(await createTrial(42))).toBe('NOT_FOUND');
  });
});

describe('finishTrial (tell)', () => {
  test('COMPLETE stores the values (infinities as Optuna stores them) and the completion time', async () => {
    const studyId = await createStudy('s', ['MINIMIZE', 'MAXIMIZE']);
    const trial = await runningTrial(studyId);
    const response = await finishTrial(trial.trialId, 'COMPLETE', [0.25, '-Infinity']);
    expect(response.errors).toBeUndefined();
    expect(response.data!.finishTrial).toMatchObject({ state: 'COMPLETE', values: [0.25, '-Infinity'] });
    expect(response.data!.finishTrial.datetimeComplete).not.toBeNull();
    expect(
      temporary.database.orm.all(sql`SELECT objective, value, value_type FROM trial_values ORDER BY objective`),
    ).toEqual([
      { objective: 0, value: 0.25, value_type: 'FINITE' },
      { objective: 1, value: null, value_type: 'INF_NEG' },
    ]);
  });

  test('NaN and a wrong number of values are BAD_USER_INPUT, and leave the trial RUNNING', async () => {
    const trial = await runningTrial(await createStudy('s'));
    expect(errorCode(await finishTrial(trial.trialId, 'COMPLETE', ['NaN']))).toBe('BAD_USER_INPUT');
    expect(errorCode(await finishTrial(trial.trialId, 'COMPLETE', [1, 2]))).toBe('BAD_USER_INPUT');
    expect(errorCode(await finishTrial(trial.trialId, 'COMPLETE'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await finishTrial(trial.trialId, 'FAIL', [1]))).toBe('BAD_USER_INPUT');
    expect(errorCode(await finishTrial(trial.trialId, 'RUNNING'))).toBe('BAD_USER_INPUT');
    const state = await graphql.execute<{ trial: { state: string; values: null } }>(
      `{ trial(trialId: ${trial.trialId}) { state values } }`,
    );
    expect(state.data!.trial).toEqual({ state: 'RUNNING', values: null });
  });

  test('a finished trial cannot be finished again (TRIAL_FINISHED); an unknown one is NOT_FOUND', async () => {
    const trial = await runningTrial(await createStudy('s'));
    expect((await finishTrial(trial.trialId, 'COMPLETE', [1])).errors).toBeUndefined();
    expect(errorCode(await finishTrial(trial.trialId, 'COMPLETE', [2]))).toBe('TRIAL_FINISHED');
    expect(errorCode(await finishTrial(trial.trialId, 'FAIL'))).toBe('TRIAL_FINISHED');
    expect(errorCode(await finishTrial(999, 'FAIL'))).toBe('NOT_FOUND');
  });

  test('PRUNED keeps the last intermediate value as the value, as Optuna does', async () => {
    const trial = await runningTrial(await createStudy('s'));
    temporary.database.orm.run(
      sql`INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
        VALUES (${trial.trialId}, 0, 3.5, 'FINITE'), (${trial.trialId}, 4, 1.5, 'FINITE')`,
    );
    expect((await finishTrial(trial.trialId, 'PRUNED')).data!.finishTrial).toMatchObject({
      state: 'PRUNED',
      values: [1.5],
    });
  });

  test('an OptunaFloat that is not a number or a known name is rejected before anything runs', async () => {
    const trial = await runningTrial(await createStudy('s'));
    const response = await finishTrial(trial.trialId, 'COMPLETE', ['lots']);
    expect(response.errors?.[0]?.message).toMatch(/OptunaFloat/);
  });

  test('the study sees its best trial and counts', async () => {
    const studyId = await createStudy('s', ['MAXIMIZE']);
    for (const value of [1, 5, 3]) await finishTrial((await runningTrial(studyId)).trialId, 'COMPLETE', [value]);
    await finishTrial((await runningTrial(studyId)).trialId, 'FAIL');
    await runningTrial(studyId);
    const response = await graphql.execute<{ study: unknown }>(
      `{ study(studyId: ${studyId}) { bestTrial { number values } trialCount complete: trialCount(states: [COMPLETE]) running: trialCount(states: [RUNNING]) } }`,
    );
    expect(response.data!.study).toEqual({
      bestTrial: { number: 1, values: [5] },
      trialCount: 5,
      complete: 3,
      running: 1,
    });
  });
});
