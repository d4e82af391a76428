// Done-when 1, 2 and 4 on the server dialects: Python Optuna and this server share one
// PostgreSQL / MariaDB database. Uploads are Optuna's own artifacts, a database this server
// creates is Optuna's own, trial numbers stay unique under concurrent workers, and datetimes
// mean the instants Optuna means whatever zone the server runs in.
// Needs /usr/bin/python3 with Debian's python3-optuna, psycopg2 and pymysql.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { freshDatabase, serverDialects } from '../support/dialects.js';
import { temporaryDirectory } from '../support/fixture.js';
import { createInProcessGraphQL, type InProcessGraphQL } from '../support/graphql-in-process.js';
import { uploadMultipart } from '../support/multipart.js';
import { inspectWithOptuna, listArtifactsWithOptuna, startOptunaWorker } from '../support/python-optuna.js';
import { readWithOptunaFileSystemStore } from '../support/python-optuna-store.js';
import { startTestServer } from '../support/test-server.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const hasOptuna = inject('pythonOptuna');

async function mutate<Data>(graphql: InProcessGraphQL, query: string, variables: Record<string, unknown> = {}) {
  const response = await graphql.execute<Data>(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

const createStudy = async (graphql: InProcessGraphQL, name: string, directions = ['MINIMIZE']): Promise<number> =>
  (
    await mutate<{ createStudy: { studyId: number } }>(
      graphql,
      'mutation($n: String!, $d: [StudyDirection!]) { createStudy(name: $n, directions: $d) { studyId } }',
      { n: name, d: directions },
    )
  ).createStudy.studyId;

const createTrial = async (graphql: InProcessGraphQL, studyId: number): Promise<{ trialId: number; number: number }> =>
  (
    await mutate<{ createTrial: { trialId: number; number: number } }>(
      graphql,
      'mutation($s: Int!) { createTrial(studyId: $s) { trialId number } }',
      { s: studyId },
    )
  ).createTrial;

const finishTrial = (graphql: InProcessGraphQL, trialId: number, state: string, values?: unknown[]) =>
  mutate(
    graphql,
    'mutation($t: Int!, $s: TrialState!, $v: [OptunaFloat!]) { finishTrial(trialId: $t, state: $s, values: $v) { trialId } }',
    { t: trialId, s: state, v: values },
  );

describe.each(serverDialects)('Python Optuna and this server on one %s database', (dialect) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  const originalTimeZone = process.env.TZ;
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (originalTimeZone === undefined) delete process.env.TZ;
    else process.env.TZ = originalTimeZone;
  });

  async function openServer(name: string, args: string[] = []): Promise<{ graphql: InProcessGraphQL; url: string }> {
    const { url } = await freshDatabase(dialect, name);
    const graphql = await createInProcessGraphQL(url, args);
    cleanups.push(() => graphql.close());
    return { graphql, url };
  }

  test.skipIf(!hasOptuna)('an upload through the API is listed by Optuna and read byte-identical', async () => {
    const { url } = await freshDatabase(dialect, 'upload');
    const store = temporaryDirectory();
    cleanups.push(store.remove);
    const server = await startTestServer([url, '--artifact-store', `file://${store.directory}`]);
    cleanups.push(() => server.stop());
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "uploads") { studyId } }',
    );
    const studyId = study.data!.createStudy.studyId;
    const trial = await server.graphql<{ createTrial: { trialId: number } }>(
      'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
      { s: studyId },
    );
    const trialId = trial.data!.createTrial.trialId;
    const content = randomBytes(200_000);
    const uploaded = await uploadMultipart<{ uploadArtifact: { artifactId: string; mimetype: string } }>(
      server.url,
      'mutation($t: Int, $file: Upload!) { uploadArtifact(trialId: $t, file: $file) { artifactId mimetype } }',
      { t: trialId, file: null },
      [{ variablePath: 'variables.file', content, filename: 'weights.bin' }],
    );
    const artifact = uploaded.body.data!.uploadArtifact;
    expect(await listArtifactsWithOptuna(url, { trialId })).toEqual([
      { artifact_id: artifact.artifactId, filename: 'weights.bin', mimetype: artifact.mimetype, encoding: null },
    ]);
    expect(await readWithOptunaFileSystemStore(store.directory, artifact.artifactId)).toEqual({
      size: content.length,
      sha256: sha256(content),
    });
  });

  test.skipIf(!hasOptuna)('a database this server created and filled is Optuna’s own', async () => {
    const { graphql, url } = await openServer('accepts');
    const single = await createStudy(graphql, 'single');
    const multi = await createStudy(graphql, 'multi', ['MINIMIZE', 'MAXIMIZE']);
    await finishTrial(graphql, (await createTrial(graphql, single)).trialId, 'COMPLETE', [1.5]);
    await finishTrial(graphql, (await createTrial(graphql, single)).trialId, 'COMPLETE', ['Infinity']);
    await finishTrial(graphql, (await createTrial(graphql, multi)).trialId, 'COMPLETE', [0.25, '-Infinity']);
    await finishTrial(graphql, (await createTrial(graphql, single)).trialId, 'FAIL');
    await createTrial(graphql, single);

    const view = await inspectWithOptuna(url);
    expect(view.accepted).toBe(true);
    const byName = new Map(view.studies.map((study) => [study.name, study]));
    expect(byName.get('multi')!.directions).toEqual(['MINIMIZE', 'MAXIMIZE']);
    expect(byName.get('single')!.trials.map((trial) => [trial.number, trial.state, trial.values])).toEqual([
      [0, 'COMPLETE', [1.5]],
      [1, 'COMPLETE', ['Infinity']],
      [2, 'FAIL', null],
      [3, 'RUNNING', null],
    ]);
    expect(byName.get('multi')!.trials[0]!.values).toEqual([0.25, '-Infinity']);
  });

  test.skipIf(!hasOptuna)(
    '4 Optuna workers × 25 trials and 25 createTrial calls at once: trials 0…124, no duplicates',
    async () => {
      const { graphql, url } = await openServer('numbering', ['--db-pool-size', '4']);
      const studyId = await createStudy(graphql, 'distributed');
      const workers = await Promise.all([1, 2, 3, 4].map(() => startOptunaWorker(url, 'distributed', 25)));
      for (const worker of workers) worker.start();
      const serverTrials = Promise.all(Array.from({ length: 25 }, () => createTrial(graphql, studyId)));
      const numbers = [
        ...(await Promise.all(workers.map((worker) => worker.numbers))).flat(),
        ...(await serverTrials).map((trial) => trial.number),
      ];
      expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 125 }, (_, index) => index));
      const view = await inspectWithOptuna(url);
      expect(view.studies[0]!.trials.map((trial) => trial.number)).toEqual(
        Array.from({ length: 125 }, (_, index) => index),
      );
    },
  );

  test.skipIf(!hasOptuna)(
    'with TZ=Asia/Tokyo a trial Optuna wrote in UTC is reported at its instant; --datetime-zone local reads Optuna 3.1’s local time',
    async () => {
      process.env.TZ = 'Asia/Tokyo';
      const { url } = await freshDatabase(dialect, 'zones');
      const utcServer = await createInProcessGraphQL(url);
      cleanups.push(() => utcServer.close());
      await createStudy(utcServer, 'utc-writer');
      await createStudy(utcServer, 'local-writer');
      // Optuna >= 5 stores naive UTC: Debian's 3.1 does the same when its own zone is UTC.
      const utcWorker = await startOptunaWorker(url, 'utc-writer', 1, { TZ: 'UTC' });
      utcWorker.start();
      await utcWorker.numbers;
      // Optuna <= 4 stores the writing machine's local time.
      const localWorker = await startOptunaWorker(url, 'local-writer', 1, { TZ: 'Asia/Tokyo' });
      localWorker.start();
      await localWorker.numbers;

      const stored = new Map((await inspectWithOptuna(url)).studies.map((study) => [study.name, study.trials[0]!]));
      const trialQuery = `query { studies(first: 10) { edges { node { name trials(first: 1) { edges { node {
        datetimeStart datetimeComplete } } } } } } }`;
      type Listing = {
        studies: { edges: { node: { name: string; trials: { edges: { node: Record<string, string> }[] } } }[] };
      };
      const reported = async (graphql: InProcessGraphQL, name: string) =>
        (await mutate<Listing>(graphql, trialQuery)).studies.edges.find((edge) => edge.node.name === name)!.node.trials
          .edges[0]!.node;
      /** Optuna's naive text read in `offset` → epoch ms (MariaDB keeps whole seconds, so compare those). */
      const instant = (naive: string, offset: string) =>
        Math.floor(Date.parse(`${naive.replace(' ', 'T')}${offset}`) / 1000);
      const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

      const fromUtc = await reported(utcServer, 'utc-writer');
      // Debian's Optuna 3.1 reads the naive text back as it is: the stored text.
      expect(seconds(fromUtc.datetimeStart!)).toBe(instant(stored.get('utc-writer')!.datetime_start!, 'Z'));
      expect(seconds(fromUtc.datetimeComplete!)).toBe(instant(stored.get('utc-writer')!.datetime_complete!, 'Z'));

      const localServer = await createInProcessGraphQL(url, ['--datetime-zone', 'local']);
      cleanups.push(() => localServer.close());
      const fromLocal = await reported(localServer, 'local-writer');
      expect(seconds(fromLocal.datetimeStart!)).toBe(instant(stored.get('local-writer')!.datetime_start!, '+09:00'));
    },
  );
});
