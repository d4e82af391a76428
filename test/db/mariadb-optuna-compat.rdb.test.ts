// The server and Python Optuna on one MariaDB storage, as in a distributed Optuna run: what the
// server writes is Optuna's own (uploads listed and read back by Optuna, studies and trials made
// on an empty database), trial numbers stay unique while Optuna workers ask concurrently, and a
// metadata value MariaDB's TEXT cannot hold is refused before anything is written.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import { ValueTooLargeError } from '../../src/db/database-errors.js';
import { openDatabase } from '../../src/db/open-database.js';
import { withConnection } from '../support/database-connection.js';
import { loadManifest, temporaryDirectory } from '../support/fixture.js';
import { loadFixture } from '../support/load-fixture.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { inspectWithOptuna, listArtifactsWithOptuna, systemPython } from '../support/python-optuna.js';
import { readWithOptunaFileSystemStore } from '../support/python-optuna-store.js';
import { silentLogger } from '../support/recording-logger.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const manifest = loadManifest();
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const workerScript = new URL('../support/python/optuna_trial_worker.py', import.meta.url).pathname;

describe('uploads on a MariaDB storage holding the fixture', () => {
  let url: string;
  let artifacts: ReturnType<typeof temporaryDirectory>;
  let server: TestServer;

  beforeAll(async () => {
    url = await createMariadbDatabase('compat_upload');
    await loadFixture(url);
    artifacts = temporaryDirectory();
    server = await startTestServer([url, '--artifact-store', `file://${artifacts.directory}`]);
  });
  afterAll(async () => {
    await server.stop();
    artifacts.remove();
  });

  test('Optuna lists an artifact uploaded through the API and reads identical bytes', async () => {
    const runningTrial = manifest.studies[0]!.trials.find((trial) => trial.state === 'RUNNING')!;
    const content = randomBytes(200_000);
    const uploaded = await uploadMultipart<{ uploadArtifact: { artifactId: string; mimetype: string } }>(
      server.url,
      'mutation($trialId: Int, $file: Upload!) { uploadArtifact(trialId: $trialId, file: $file) { artifactId mimetype } }',
      { trialId: runningTrial.trial_id, file: null },
      [{ variablePath: 'variables.file', content, filename: 'weights.pt' }],
    );
    const { artifactId, mimetype } = uploaded.body.data!.uploadArtifact;

    const listed = await listArtifactsWithOptuna(url, { trialId: runningTrial.trial_id });
    expect(listed).toContainEqual({ artifact_id: artifactId, filename: 'weights.pt', mimetype, encoding: null });
    expect(listed).toHaveLength(runningTrial.system_attr_keys.filter((key) => key.startsWith('artifacts:')).length + 1);
    expect(await readWithOptunaFileSystemStore(artifacts.directory, artifactId)).toEqual({
      size: content.length,
      sha256: sha256(content),
    });
  });
});

test('createStudy / createTrial / finishTrial on an empty MariaDB database: Optuna opens it as its own', async () => {
  const url = await createMariadbDatabase('compat_empty');
  const server = await startTestServer([url]);
  try {
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "made-here", directions: [MAXIMIZE]) { studyId } }',
    );
    const studyId = study.data!.createStudy.studyId;
    const trial = await server.graphql<{ createTrial: { trialId: number } }>(
      'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
      { s: studyId },
    );
    const trialId = trial.data!.createTrial.trialId;
    const finished = await server.graphql(
      'mutation($t: Int!) { finishTrial(trialId: $t, state: COMPLETE, values: [0.30000000000000004]) { state } }',
      { t: trialId },
    );
    expect(finished.errors).toBeUndefined();
  } finally {
    await server.stop();
  }

  const view = await inspectWithOptuna(url);
  expect(view.accepted).toBe(true);
  expect(view.studies).toHaveLength(1);
  expect(view.studies[0]).toMatchObject({ name: 'made-here', directions: ['MAXIMIZE'] });
  expect(view.studies[0]!.trials).toMatchObject([{ number: 0, state: 'COMPLETE', values: [0.30000000000000004] }]);
});

/** A Python Optuna worker process (optuna_trial_worker.py), started and waiting for the go. */
async function startWorker(url: string, studyName: string, trials: number) {
  const child = spawn(systemPython, [workerScript, url, studyName, String(trials)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`the worker said ${JSON.stringify(first.value)}`);
  return {
    /** Starts the trials; resolves with the numbers the worker got. */
    async run(): Promise<number[]> {
      const exited = once(child, 'exit');
      child.stdin!.end('go\n');
      const numbers = await lines.next();
      const [code] = (await exited) as [number | null];
      if (code !== 0) throw new Error(`the worker exited with ${code}`);
      return JSON.parse(numbers.value as string) as number[];
    },
  };
}

test('4 Optuna workers × 25 trials while the server makes 25 trials: numbers 0…124, none twice', async () => {
  const url = await createMariadbDatabase('compat_numbers');
  const server = await startTestServer([url]);
  try {
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "distributed") { studyId } }',
    );
    const studyId = study.data!.createStudy.studyId;
    const workers = await Promise.all([1, 2, 3, 4].map(() => startWorker(url, 'distributed', 25)));
    const [workerNumbers, serverAnswers] = await Promise.all([
      Promise.all(workers.map((worker) => worker.run())),
      Promise.all(
        Array.from({ length: 25 }, () =>
          server.graphql<{ createTrial: { number: number } }>(
            'mutation($s: Int!) { createTrial(studyId: $s) { number } }',
            { s: studyId },
          ),
        ),
      ),
    ]);
    expect(serverAnswers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
    const numbers = [...workerNumbers.flat(), ...serverAnswers.map((answer) => answer.data!.createTrial.number)];
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 125 }, (_, index) => index));
    const stored = await withConnection(url, (connection) =>
      connection.query<{ number: number }>('SELECT number FROM trials ORDER BY number'),
    );
    expect(stored.map((row) => row.number)).toEqual(Array.from({ length: 125 }, (_, index) => index));
  } finally {
    await server.stop();
  }
});

test('a metadata value over TEXT’s 65,535 bytes is refused before anything is written', async () => {
  const url = await createMariadbDatabase('compat_large');
  const database = await openDatabase(parseStorageUrl(url), { logger: silentLogger });
  try {
    const study = await database.studyWrites.create('large', ['MINIMIZE']);
    const statementsBefore = database.statements.count;
    // 21,846 three-byte characters: 65,538 bytes, though fewer than 65,535 characters.
    const valueJson = JSON.stringify('あ'.repeat(21_846));
    await expect(
      database.artifactAttributeWrites.insertAll(
        { kind: 'study', studyId: study.studyId },
        [
          { artifactId: 'small', valueJson: '"{}"' },
          { artifactId: 'large', valueJson },
        ],
        { allowFinishedTrial: false },
      ),
    ).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(database.statements.count).toBe(statementsBefore);
    const rows = await withConnection(url, (connection) =>
      connection.query('SELECT study_system_attribute_id FROM study_system_attributes'),
    );
    expect(rows).toEqual([]);
    // Just under the limit is stored whole.
    const fitting = JSON.stringify('あ'.repeat(21_844));
    const [row] = await database.artifactAttributeWrites.insertAll(
      { kind: 'study', studyId: study.studyId },
      [{ artifactId: 'fits', valueJson: fitting }],
      { allowFinishedTrial: false },
    );
    expect((await database.artifactAttributes.byArtifactIds(['fits']))[0]).toEqual(row);
    expect(Buffer.byteLength(row!.valueJson!)).toBe(65_534);
  } finally {
    await database.close();
  }
});
