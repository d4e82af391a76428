// Another process holding the SQLite file's lock (BEGIN EXCLUSIVE: in Optuna's rollback-journal
// mode it keeps readers out too) must not stall the server. /healthz and downloads of artifacts
// the server has seen keep answering; GraphQL waits without holding anything up and succeeds
// once the lock is gone, or answers DATABASE_UNAVAILABLE (503) past --db-busy-timeout — never
// INTERNAL_SERVER_ERROR. The holder is a real other process, released on our signal.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { holdDatabaseLock, type HeldLock } from '../support/lock-holder.js';
import { uploadMultipart } from '../support/multipart.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/test-server.js';
import { waitUntil } from '../support/wait-until.js';

/** Sequential /healthz requests answered while a request waits for the lock. */
const healthChecks = 20;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const databasePath = (server: TestServer): string => join(server.directory, 'optuna.db');

/** A promise with a flag saying whether it has settled yet. */
function tracked<Value>(promise: Promise<Value>): { promise: Promise<Value>; settled: () => boolean } {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  promise.then(settle, settle);
  return { promise, settled: () => settled };
}

async function answerHealthChecks(server: TestServer): Promise<void> {
  for (let check = 0; check < healthChecks; check += 1) {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  }
}

/** A GraphQL POST whose HTTP status is kept (the helper on TestServer returns the body only). */
async function postGraphQL(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

const createTrial = 'mutation($s: Int!) { createTrial(studyId: $s) { trialId number } }';
const uploadArtifact = 'mutation($s: Int!, $file: Upload!) { uploadArtifact(studyId: $s, file: $file) { artifactId } }';

let lock: HeldLock | undefined;
afterEach(async () => {
  await lock?.release();
  lock = undefined;
});

describe('a lock released within the busy timeout', () => {
  let server: TestServer;
  let studyId: number;
  const content = randomBytes(100_000);
  let artifactId: string;

  beforeAll(async () => {
    // A long busy timeout: waiting requests must outlast the lock however slow the machine.
    // No timer looks of the watcher: one that met the lock first would hold the head of the read
    // queue, and a read this file waits for would queue behind it without running a statement.
    server = await startTestServer(['--db-busy-timeout', '300', '--watch-interval', '3600']);
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "locked") { studyId } }',
    );
    studyId = study.data!.createStudy.studyId;
    // Uploaded, never listed or downloaded: the server has it from its own upload.
    const upload = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
      server.url,
      uploadArtifact,
      { s: studyId, file: null },
      [{ variablePath: 'variables.file', content, filename: 'model.bin' }],
    );
    expect(upload.body.errors).toBeUndefined();
    artifactId = upload.body.data!.uploadArtifact.artifactId;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers /healthz again and again while a GraphQL read waits for the lock, then answers the read', async () => {
    lock = await holdDatabaseLock(databasePath(server));
    const statementsBefore = server.services.database.statements.count;
    const reading = tracked(server.graphql<{ studies: { totalCount: number } }>('{ studies { totalCount } }'));
    // The server has tried the read (and met the lock) before the health checks start.
    await waitUntil(
      () => server.services.database.statements.count > statementsBefore,
      'the server has tried the read',
    );

    await answerHealthChecks(server);
    expect(reading.settled()).toBe(false);

    await lock.release();
    const response = await reading.promise;
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ studies: { totalCount: 1 } });
  });

  it('serves the bytes of an existing artifact while the database cannot be read', async () => {
    lock = await holdDatabaseLock(databasePath(server));
    const response = await fetch(`${server.url}/artifacts/${artifactId}`);
    expect(response.status).toBe(200);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(content));
    expect(response.headers.get('content-disposition')).toContain('model.bin');
    await answerHealthChecks(server);
  });

  it('carries out a mutation issued during the lock once the lock is released', async () => {
    lock = await holdDatabaseLock(databasePath(server));
    const creating = tracked(postGraphQL(server, createTrial, { s: studyId }));
    await answerHealthChecks(server);
    expect(creating.settled()).toBe(false);

    await lock.release();
    const { status, body } = await creating.promise;
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data).toEqual({ createTrial: { trialId: expect.any(Number), number: 0 } });
  });

  it('carries out an upload issued during the lock once the lock is released', async () => {
    lock = await holdDatabaseLock(databasePath(server));
    const bytes = randomBytes(50_000);
    const statementsBefore = server.services.database.statements.count;
    const uploading = tracked(
      uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
        server.url,
        uploadArtifact,
        { s: studyId, file: null },
        [{ variablePath: 'variables.file', content: bytes, filename: 'during-lock.bin' }],
      ),
    );
    // Its owner check has met the lock.
    await waitUntil(
      () => server.services.database.statements.count > statementsBefore,
      'the server has tried the upload',
    );
    await answerHealthChecks(server);
    expect(uploading.settled()).toBe(false);

    await lock.release();
    const { status, body } = await uploading.promise;
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    const download = await fetch(`${server.url}/artifacts/${body.data!.uploadArtifact.artifactId}`);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));
  });
});

describe('a lock held past the busy timeout', () => {
  let server: TestServer;
  let studyId: number;

  beforeAll(async () => {
    server = await startTestServer(['--db-busy-timeout', '0.2']);
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "stuck") { studyId } }',
    );
    studyId = study.data!.createStudy.studyId;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers mutations and queries with DATABASE_UNAVAILABLE (503), /readyz with 503, and recovers after the release', async () => {
    lock = await holdDatabaseLock(databasePath(server));

    const mutation = await postGraphQL(server, createTrial, { s: studyId });
    expect(mutation.body.errors?.map((error) => error.extensions?.code)).toEqual(['DATABASE_UNAVAILABLE']);
    expect(mutation.body.errors![0]!.message).toMatch(/locked by another process/);
    expect(mutation.status).toBe(503);

    const query = await postGraphQL(server, '{ studies { totalCount } }');
    expect(query.body.errors?.map((error) => error.extensions?.code)).toEqual(['DATABASE_UNAVAILABLE']);

    const readiness = await fetch(`${server.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'unavailable', artifactStore: 'ok' },
    });

    // An artifact the server knows nothing about: only the database could tell 404 from 200.
    const download = await fetch(`${server.url}/artifacts/${randomUUID()}`);
    expect(download.status).toBe(503);

    await answerHealthChecks(server);
    await lock.release();
    lock = undefined;

    const after = await postGraphQL(server, createTrial, { s: studyId });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({ createTrial: { trialId: expect.any(Number), number: 0 } });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
