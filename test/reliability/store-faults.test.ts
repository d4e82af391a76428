// S3 behind a proxy that fails 30% of requests (503 or a connection reset): 100 uploads through
// the API all succeed and read back identical, through the server's download route (faults
// still on) and straight from s3rver. S3 answering 403: the upload fails at once with
// STORE_UNAVAILABLE after a single request, and nothing is stored anywhere.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spoolFilePrefix } from '../../src/artifacts/spool.js';
import {
  answerStatus,
  failRandomly,
  passThrough,
  seededRandom,
  startFaultProxy,
  type FaultProxy,
} from '../support/fault-proxy.js';
import { uploadMultipart } from '../support/multipart.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';
import { s3rverObjects, type S3rverObjects } from '../support/s3rver-objects.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sha256Of } from '../stores/artifact-bytes.js';

const KiB = 1024;
const uploadCount = 100;
/** Uploads in flight at once: enough to interleave retries, few enough for 2 cores. */
const parallelUploads = 4;
const upload = `mutation($studyId: Int, $trialId: Int, $file: Upload!) {
  uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file) { artifactId size sha256 }
}`;
type Uploaded = { uploadArtifact: { artifactId: string; size: number; sha256: string } };

let s3: RunningS3rver;
let proxy: FaultProxy;
let server: TestServer;
let objects: S3rverObjects;
let studyId: number;
let trialId: number;
const savedEnvironment = { ...process.env };

const figures = {
  requests: 0,
  faults: 0,
  status503: 0,
  resets: 0,
  attempted: 0,
  succeeded: 0,
  identical: 0,
  forbiddenRequests: 0,
  forbiddenMs: 0,
  forbiddenCode: '',
};

beforeAll(async () => {
  s3 = await startS3rver();
  proxy = await startFaultProxy(s3.endpoint, passThrough);
  objects = s3rverObjects(s3);
  // The AWS SDK's default credential chain reads these (s3rver accepts any signature).
  process.env.AWS_ACCESS_KEY_ID = s3rverCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3rverCredentials.secretAccessKey;
  server = await startTestServer([
    '--artifact-store',
    `s3://${s3.bucket}`,
    '--s3-endpoint',
    proxy.endpoint,
    '--s3-force-path-style',
    // Optuna's schedule, scaled down: retries take milliseconds.
    '--backoff-min-delay',
    '0.01',
    '--backoff-max-delay',
    '0.1',
    '--max-file-size',
    '2MiB',
  ]);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "faults") { studyId } }',
  );
  studyId = study.data!.createStudy.studyId;
  const trial = await server.graphql<{ createTrial: { trialId: number } }>(
    'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
    { s: studyId },
  );
  trialId = trial.data!.createTrial.trialId;
});

afterAll(async () => {
  await server?.stop();
  objects?.close();
  await proxy?.close();
  await s3?.close();
  process.env = savedEnvironment;
  console.log(
    `store faults: ${figures.requests} requests, ${figures.faults} faults injected (${figures.status503} × 503, ${figures.resets} × reset); ` +
      `uploads ${figures.attempted} attempted, ${figures.succeeded} succeeded, ${figures.identical} identical ` +
      `(server download and s3rver); 403: ${figures.forbiddenRequests} request, ${figures.forbiddenCode} after ${figures.forbiddenMs} ms`,
  );
});

/** Runs `task` for every item, at most `limit` at a time. */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

it(`carries ${uploadCount} uploads through 30% injected 503s and resets; every one reads back identical`, async () => {
  const random = seededRandom(6_2024);
  // 256 KiB – 1 MiB each: single PutObject requests, ~64 MiB in all.
  const files = Array.from({ length: uploadCount }, () => randomBytes(256 * KiB + Math.floor(random() * 768 * KiB)));
  proxy.clearRecord();
  proxy.setPolicy(failRandomly({ rate: 0.3, random }));

  const stored: { artifactId: string; sha256: string }[] = [];
  await forEachLimited(files, parallelUploads, async (content, index) => {
    figures.attempted += 1;
    const owner = index % 2 === 0 ? { studyId } : { trialId };
    const { status, body } = await uploadMultipart<Uploaded>(server.url, upload, { ...owner, file: null }, [
      { variablePath: 'variables.file', content, filename: `faulty-${index}.bin` },
    ]);
    expect(body.errors, `upload ${index}`).toBeUndefined();
    expect(status).toBe(200);
    figures.succeeded += 1;
    expect(body.data!.uploadArtifact).toMatchObject({ size: content.length, sha256: sha256Of(content) });
    stored.push({ artifactId: body.data!.uploadArtifact.artifactId, sha256: sha256Of(content) });
  });

  // Read back through the server while faults are still injected (Backoff retries opening the
  // object), then straight from s3rver.
  await forEachLimited(stored, parallelUploads, async ({ artifactId, sha256 }) => {
    const response = await fetch(`${server.url}/artifacts/${artifactId}`);
    expect(response.status, `download ${artifactId}`).toBe(200);
    const throughServer = sha256Of(new Uint8Array(await response.arrayBuffer()));
    const inS3 = await objects.sha256(artifactId);
    if (throughServer === sha256 && inS3 === sha256) figures.identical += 1;
  });
  proxy.setPolicy(passThrough);

  figures.requests = proxy.requestCount();
  figures.faults = proxy.faultCount();
  figures.status503 = proxy.requests.filter(
    (request) => typeof request.fault === 'object' && request.fault.status === 503,
  ).length;
  figures.resets = proxy.requests.filter((request) => request.fault === 'reset').length;
  expect(figures.identical).toBe(uploadCount);
  expect(figures.status503).toBeGreaterThan(0);
  expect(figures.resets).toBeGreaterThan(0);
  expect(figures.faults / figures.requests).toBeGreaterThan(0.2);
  // Exactly the uploaded objects are in the bucket: no duplicates, nothing half-written.
  expect(await objects.keys()).toEqual(stored.map((entry) => entry.artifactId).sort());
});

it('fails an upload at once when S3 answers 403: one request, STORE_UNAVAILABLE, nothing stored', async () => {
  const databasePath = join(server.directory, 'optuna.db');
  const artifactRows = () => {
    const database = new Database(databasePath, { readonly: true });
    try {
      return database
        .prepare("SELECT count(*) FROM study_system_attributes WHERE key LIKE 'artifacts:%'")
        .pluck()
        .get() as number;
    } finally {
      database.close();
    }
  };
  // Spool files carry the writing process's id: this worker's are the in-process server's.
  const ownSpoolFiles = () =>
    readdirSync(server.services.store.spoolDirectory).filter((name) =>
      name.startsWith(`${spoolFilePrefix}${process.pid}-`),
    );
  const rowsBefore = artifactRows();
  const keysBefore = await objects.keys();
  expect(ownSpoolFiles()).toEqual([]);

  proxy.clearRecord();
  proxy.setPolicy(answerStatus(403));
  const started = performance.now();
  const { status, body } = await uploadMultipart<Uploaded>(server.url, upload, { studyId, file: null }, [
    { variablePath: 'variables.file', content: randomBytes(512 * KiB), filename: 'forbidden.bin' },
  ]);
  figures.forbiddenMs = Math.round(performance.now() - started);
  proxy.setPolicy(passThrough);

  figures.forbiddenRequests = proxy.requestCount();
  figures.forbiddenCode = body.errors?.[0]?.extensions?.code ?? `no error (HTTP ${status})`;
  expect(body.errors?.[0]).toMatchObject({
    message: expect.stringMatching(/artifact store did not accept the file; nothing was stored/),
    extensions: { code: 'STORE_UNAVAILABLE' },
  });
  expect(body.data?.uploadArtifact ?? null).toBeNull();
  // 403 is permanent: Backoff must not retry it (its first retry alone would be a second PUT).
  expect(proxy.requests.map((request) => request.method)).toEqual(['PUT']);
  expect(artifactRows()).toBe(rowsBefore);
  expect(await objects.keys()).toEqual(keysBefore);
  expect(ownSpoolFiles()).toEqual([]);
});
