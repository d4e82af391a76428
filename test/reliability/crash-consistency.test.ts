// kill -9 of the server in the middle of an upload (while spooling, and while the store write
// is in flight) and in the middle of a delete (rows gone, bytes not yet), then a restart and
// the consistency check (`check --json`, like git fsck): every metadata row has its bytes and
// no artifact-id object lacks a row — except the one the crashed delete left, which a retry
// of the same delete then removes.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spoolFilePrefix } from '../../src/artifacts/spool.js';
import { runConsistencyCheck, type ConsistencyCheckJson } from '../support/consistency.js';
import { passThrough, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { leftovers } from '../support/leftovers.js';
import { uploadMultipart } from '../support/multipart.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';
import { s3rverObjects, type S3rverObjects } from '../support/s3rver-objects.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import type { GraphQLResponse } from '../support/test-server.js';
import { waitUntil } from '../support/wait-until.js';

const upload = 'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }';
const deleteMutation = 'mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }';

const figures = {
  kills: 0,
  restarts: 0,
  checks: 0,
  checksClean: 0,
  orphansFromCrashedDelete: 0,
  orphansRemovedByRetry: 0,
};

let directory: string;
let server: ServerProcess | undefined;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'oag-crash-check-'));
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  console.log(
    `crash: ${figures.kills} kill -9 (mid-spool, mid-store-write, mid-delete), ${figures.restarts} restarts; ` +
      `consistency checks ${figures.checks} run, ${figures.checksClean} clean, ${figures.checks - figures.checksClean} finding only the crashed delete's orphan ` +
      `(${figures.orphansFromCrashedDelete} orphan, removed by the retried delete: ${figures.orphansRemovedByRetry})`,
  );
});

async function graphqlAt<Data = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<Data>;
}

/** A study and three stored artifacts: what the consistency check must still find whole after the crash. */
async function seed(url: string): Promise<string[]> {
  expect((await graphqlAt(url, 'mutation { createStudy(name: "crash") { studyId } }')).errors).toBeUndefined();
  const ids: string[] = [];
  for (let index = 0; index < 3; index++) {
    const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(url, upload, { file: null }, [
      { variablePath: 'variables.file', content: randomBytes(100_000), filename: `kept-${index}.bin` },
    ]);
    expect(body.errors).toBeUndefined();
    ids.push(body.data!.uploadArtifact.artifactId);
  }
  return ids.sort();
}

async function kill9AndRestart(args: string[], env: Record<string, string> = {}): Promise<void> {
  await server!.kill9();
  figures.kills += 1;
  server = await startServerProcess(args, env);
  figures.restarts += 1;
}

async function check(args: string[], env: Record<string, string> = {}): Promise<ConsistencyCheckJson> {
  const report = await runConsistencyCheck(args, env);
  figures.checks += 1;
  if (report.consistent) figures.checksClean += 1;
  return report;
}

/**
 * Starts a multipart upload and sends `bytes` of its file without ever finishing the body:
 * the server is left in the middle of the upload until it dies.
 */
function startEndlessUpload(url: string, bytes: number): void {
  const boundary = 'crashBOUNDARY';
  const operations = JSON.stringify({ query: upload, variables: { file: null } });
  const request = httpRequest(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' },
  });
  request.on('error', () => {}); // the server dies under it
  request.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="cut-short.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  request.write(randomBytes(bytes));
}

function filesIn(folder: string): { name: string; size: number }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder).map((name) => ({ name, size: statSync(join(folder, name)).size }));
}

describe('on the filesystem store', () => {
  it('kill -9 while an upload is being spooled: after the restart the check is clean and nothing of the upload is left', async () => {
    const databasePath = join(directory, 'fs.db');
    const storeFolder = join(directory, 'fs-artifacts');
    const args = [`sqlite:///${databasePath}`, '--artifact-store', `file://${storeFolder}`];
    server = await startServerProcess(args);
    const kept = await seed(server.url);

    startEndlessUpload(server.url, 4 * 1024 * 1024);
    const spool = join(storeFolder, '.spool');
    await waitUntil(
      () => filesIn(spool).some((file) => file.size > 1024 * 1024),
      'the server has spooled 1 MiB of the upload',
    );
    await kill9AndRestart(args);

    const after = leftovers(databasePath, storeFolder);
    expect(after.storedObjects).toEqual(kept);
    expect(after.metadataKeys).toEqual(kept.map((id) => `artifacts:${id}`).sort());
    expect(after.temporaryFiles).toEqual([]);
    const report = await check(args);
    expect(report).toMatchObject({
      consistent: true,
      metadataRows: 3,
      storedObjects: 3,
      missingBytes: [],
      orphanedObjects: [],
    });
  });
});

describe('on S3 behind a proxy that can hold a request unanswered', () => {
  let s3: RunningS3rver;
  let proxy: FaultProxy;
  let objects: S3rverObjects;
  let spoolRoot: string;
  let environment: Record<string, string>;
  const s3Args = (databaseName: string) => [
    `sqlite:///${join(directory, databaseName)}`,
    '--artifact-store',
    `s3://${s3.bucket}`,
    '--s3-endpoint',
    proxy.endpoint,
    '--s3-force-path-style',
    '--backoff-min-delay',
    '0.01',
    '--backoff-max-delay',
    '0.1',
  ];
  // The check talks to s3rver directly: it must see the bucket as it is, not as the proxy answers.
  // No upload is in flight when it runs, so a lifetime this short makes every unnamed object
  // (all written seconds ago) older than any ticket: an orphan.
  const checkArgs = (databaseName: string) => [
    `sqlite:///${join(directory, databaseName)}`,
    '--artifact-store',
    `s3://${s3.bucket}`,
    '--s3-endpoint',
    s3.endpoint,
    '--s3-force-path-style',
    '--upload-ticket-ttl',
    '0.001',
  ];

  beforeAll(async () => {
    s3 = await startS3rver();
    proxy = await startFaultProxy(s3.endpoint);
    objects = s3rverObjects(s3);
    spoolRoot = mkdtempSync(join(tmpdir(), 'oag-crash-tmp-'));
    // The S3 store spools under os.tmpdir(): a folder of this test's own, so its files can be counted.
    environment = {
      AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TMPDIR: spoolRoot,
    };
  });
  afterEach(async () => {
    proxy.setPolicy(passThrough);
    proxy.clearRecord();
    // Each test starts from an empty bucket.
    await server?.stop();
    server = undefined;
    await objects.removeAll();
  });
  afterAll(async () => {
    objects.close();
    await proxy.close();
    await s3.close();
    rmSync(spoolRoot, { recursive: true, force: true });
  });

  it('kill -9 while the store write is in flight: no row, no object, no spool file; the check is clean', async () => {
    const args = s3Args('s3-upload.db');
    server = await startServerProcess(args, environment);
    const kept = await seed(server.url);
    const crashedPid = server.child.pid!;

    proxy.clearRecord();
    proxy.setPolicy((request) => (request.method === 'PUT' ? 'hang' : undefined));
    void uploadMultipart(server.url, upload, { file: null }, [
      { variablePath: 'variables.file', content: randomBytes(300_000), filename: 'in-flight.bin' },
    ]).catch(() => {});
    await waitUntil(() => proxy.requests.some((request) => request.method === 'PUT'), 'the store write has reached S3');
    const spool = join(spoolRoot, 'optuna-artifacts-spool');
    // The crash does leave the spool file of the write in flight behind.
    expect(filesIn(spool).filter((file) => file.name.startsWith(`${spoolFilePrefix}${crashedPid}-`))).toHaveLength(1);
    proxy.setPolicy(passThrough);
    await kill9AndRestart(args, environment);

    expect(filesIn(spool).filter((file) => file.name.startsWith(`${spoolFilePrefix}${crashedPid}-`))).toEqual([]);
    expect(await objects.keys()).toEqual(kept);
    // The bytes are in S3, so of the local leftovers only the metadata rows matter here.
    expect(leftovers(join(directory, 's3-upload.db'), join(directory, 'no-store-folder')).metadataKeys).toEqual(
      kept.map((id) => `artifacts:${id}`).sort(),
    );
    const report = await check(checkArgs('s3-upload.db'), environment);
    expect(report).toMatchObject({
      consistent: true,
      metadataRows: 3,
      storedObjects: 3,
      missingBytes: [],
      orphanedObjects: [],
    });
  });

  it('kill -9 between a delete’s rows and its bytes: the check finds exactly that orphan, and a retried delete removes it', async () => {
    const args = s3Args('s3-delete.db');
    server = await startServerProcess(args, environment);
    const [victim, ...others] = await seed(server.url);

    proxy.clearRecord();
    proxy.setPolicy((request) => (request.method === 'DELETE' ? 'hang' : undefined));
    void graphqlAt(server.url, deleteMutation, { id: victim }).catch(() => {});
    await waitUntil(
      () => proxy.requests.some((request) => request.method === 'DELETE' && request.url.includes(victim!)),
      'the delete has reached S3',
    );
    proxy.setPolicy(passThrough);
    await kill9AndRestart(args, environment);

    // The rows went first; the bytes are still there, named by no row.
    expect(
      (
        await graphqlAt<{ artifact: unknown }>(
          server!.url,
          'query($id: String!) { artifact(artifactId: $id) { artifactId } }',
          { id: victim },
        )
      ).data,
    ).toEqual({ artifact: null });
    expect(await objects.exists(victim!)).toBe(true);
    const crashed = await check(checkArgs('s3-delete.db'), environment);
    expect(crashed).toMatchObject({
      consistent: false,
      metadataRows: 2,
      storedObjects: 3,
      missingBytes: [],
      orphanedObjects: [victim],
    });
    figures.orphansFromCrashedDelete = crashed.orphanedObjects.length;

    // Retrying the delete finishes it: the bytes go, and the artifact is reported unknown.
    const retried = await graphqlAt(server!.url, deleteMutation, { id: victim });
    expect(retried.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await objects.exists(victim!)).toBe(false);
    figures.orphansRemovedByRetry = 1;
    expect(await objects.keys()).toEqual(others);
    const report = await check(checkArgs('s3-delete.db'), environment);
    expect(report).toMatchObject({
      consistent: true,
      metadataRows: 2,
      storedObjects: 2,
      missingBytes: [],
      orphanedObjects: [],
    });
  });
});
