// Optuna's naive DATETIME columns, read in the zone they were written in (--datetime-zone):
// Debian's Optuna 3.1 writes the LOCAL time of its process, so a database it filled under
// TZ=Asia/Tokyo is read right with `--datetime-zone local` in that zone, or with
// `--datetime-zone Asia/Tokyo` anywhere — and the default (utc, Optuna >= 5's rule) is 9 hours off.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createInProcessGraphQL } from '../support/graphql-in-process.js';
import { systemPython } from '../support/python-optuna.js';
import { temporaryDirectory } from '../support/fixture.js';

interface TimedTrial {
  number: number;
  datetime_start: string;
  datetime_complete: string;
}

const timedTrialsScript = fileURLToPath(new URL('../support/python/optuna_timed_trials.py', import.meta.url));
const originalTimeZone = process.env.TZ;
let folder: ReturnType<typeof temporaryDirectory>;
let databasePath: string;
/** What Optuna 3.1 means by the trials it wrote in Tokyo time. */
let written: TimedTrial[];

const trialTimesQuery = `{ studies(first: 1) { edges { node { trials(first: 10) { edges { node {
  number datetimeStart datetimeComplete } } } } } } }`;

interface TrialTimes {
  studies: {
    edges: {
      node: { trials: { edges: { node: { number: number; datetimeStart: string; datetimeComplete: string } }[] } };
    }[];
  };
}

/** The trials' times as a server with these arguments, in process time zone `timeZone`, reports them. */
async function servedTimes(timeZone: string, args: string[]): Promise<TimedTrial[]> {
  process.env.TZ = timeZone;
  const graphql = await createInProcessGraphQL(databasePath, args);
  try {
    const response = await graphql.execute<TrialTimes>(trialTimesQuery);
    expect(response.errors).toBeUndefined();
    return response.data!.studies.edges[0]!.node.trials.edges.map(({ node }) => ({
      number: node.number,
      datetime_start: node.datetimeStart,
      datetime_complete: node.datetimeComplete,
    }));
  } finally {
    await graphql.close();
  }
}

beforeAll(async () => {
  folder = temporaryDirectory();
  databasePath = join(folder.directory, 'optuna.db');
  // The server creates the database (Optuna 3.1 cannot create the v3.2.0.a schema it serves).
  await (await createInProcessGraphQL(databasePath)).close();
  if (!inject('pythonOptuna')) return;
  const { stdout } = await promisify(execFile)(
    systemPython,
    [timedTrialsScript, `sqlite:///${databasePath}`, 'written-in-tokyo', '3'],
    { env: { ...process.env, TZ: 'Asia/Tokyo' } },
  );
  written = JSON.parse(stdout) as TimedTrial[];
});

afterAll(() => {
  if (originalTimeZone === undefined) delete process.env.TZ;
  else process.env.TZ = originalTimeZone;
  folder.remove();
});

test.skipIf(!inject('pythonOptuna'))(
  "--datetime-zone local in the writer's zone reads what Optuna 3.1 meant",
  async () => {
    expect(written).toHaveLength(3);
    expect(await servedTimes('Asia/Tokyo', ['--datetime-zone', 'local'])).toEqual(written);
  },
);

test.skipIf(!inject('pythonOptuna'))('--datetime-zone Asia/Tokyo reads it right from any process zone', async () => {
  expect(await servedTimes('UTC', ['--datetime-zone', 'Asia/Tokyo'])).toEqual(written);
  expect(await servedTimes('America/New_York', ['--datetime-zone', 'Asia/Tokyo'])).toEqual(written);
});

test.skipIf(!inject('pythonOptuna'))(
  'the default (utc, Optuna >= 5) reads these local times 9 hours late',
  async () => {
    const nineHours = 9 * 3600 * 1000;
    const shifted = (iso: string) => new Date(Date.parse(iso) + nineHours).toISOString().replace(/\.(\d{3})Z$/, `.$1`);
    const served = await servedTimes('Asia/Tokyo', []);
    expect(served.map((trial) => trial.datetime_start.slice(0, 23))).toEqual(
      written.map((trial) => shifted(trial.datetime_start)),
    );
  },
);
