// Uploads that stall or are abandoned: a body is cut only when no byte arrived for
// --upload-idle-timeout (never for its total duration), and a cut or abandoned upload leaves
// nothing behind and is logged as one line without a stack.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { leftovers, type Leftovers } from '../support/leftovers.js';
import { fieldPart, filePart, rawMultipartBody, startRawRequest } from '../support/raw-multipart.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitUntil } from '../support/wait-until.js';

const idleTimeoutSeconds = 1;
const uploadOne = 'mutation($s: Int, $f: Upload!) { uploadArtifact(studyId: $s, file: $f) { artifactId size } }';

let server: TestServer;
let studyId: number;
let stderr: MockInstance<typeof process.stderr.write>;
const state = (): Leftovers => leftovers(join(server.directory, 'optuna.db'), join(server.directory, 'artifacts'));

/** The log lines written since the test began, parsed. */
function logLines(): Array<Record<string, unknown>> {
  return stderr.mock.calls
    .map(([chunk]) => String(chunk))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A whole multipart body uploading `content`, split where the file's bytes are half sent. */
function uploadBody(content: Buffer): { body: Buffer; halfway: number } {
  const body = rawMultipartBody([
    fieldPart('operations', JSON.stringify({ query: uploadOne, variables: { s: studyId, f: null } })),
    fieldPart('map', '{"0":["variables.f"]}'),
    filePart('0', '; filename="slow.bin"', content),
  ]);
  return { body, halfway: body.indexOf(content) + content.length / 2 };
}

beforeAll(async () => {
  server = await startTestServer(['--upload-idle-timeout', String(idleTimeoutSeconds)]);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "slow") { studyId } }',
  );
  studyId = study.data!.createStudy.studyId;
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => {
  stderr = vi.spyOn(process.stderr, 'write');
});

afterEach(() => {
  stderr.mockRestore();
});

describe('--upload-idle-timeout', () => {
  it('cuts an upload that stops sending: 408, connection closed, nothing stored, one warning without a stack', async () => {
    const before = state();
    const { body, halfway } = uploadBody(randomBytes(256 * 1024));
    const request = startRawRequest(server.url, body.length);
    request.send(body.subarray(0, halfway));
    // The server is receiving the file when the client falls silent.
    await waitUntil(() => state().temporaryFiles.length > 0, 'the upload is being spooled');

    const answer = await request.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await waitUntil(() => state().temporaryFiles.length === 0, 'the spool folder is empty');
    expect(state()).toEqual(before);
    const cutLines = logLines().filter((line) => /no byte arrived/.test(String(line.message)));
    expect(cutLines).toHaveLength(1);
    expect(cutLines[0]).toMatchObject({ level: 'warn', idleTimeoutSeconds });
    expect(logLines().filter((line) => line.level === 'error')).toEqual([]);
    expect(JSON.stringify(logLines())).not.toMatch(/\n\s+at /);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('lets a slow upload take several times the idle timeout while bytes keep coming', async () => {
    const content = randomBytes(20_000);
    const { body } = uploadBody(content);
    const request = startRawRequest(server.url, body.length);
    const pieces = 24;
    const pieceSize = Math.ceil(body.length / pieces);
    // A piece every 1/8 of the idle timeout: 3 timeouts in all, never one without a byte.
    for (let offset = 0; offset < body.length; offset += pieceSize) {
      request.send(body.subarray(offset, offset + pieceSize));
      await new Promise((resolve) => setTimeout(resolve, (idleTimeoutSeconds * 1000) / 8));
    }
    const answer = await request.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain(`"size":${content.length}`);
  });
});

describe('a client that goes away mid-upload', () => {
  it('leaves nothing behind and is logged as one info line without a stack', async () => {
    const before = state();
    const { body, halfway } = uploadBody(randomBytes(256 * 1024));
    const request = startRawRequest(server.url, body.length);
    request.send(body.subarray(0, halfway));
    await waitUntil(() => state().temporaryFiles.length > 0, 'the upload is being spooled');
    request.abort();

    await waitUntil(() => state().temporaryFiles.length === 0, 'the spool folder is empty');
    await waitUntil(
      () => logLines().some((line) => /went away/.test(String(line.message))),
      'the disconnect is logged',
    );
    expect(state()).toEqual(before);
    expect(logLines().filter((line) => /went away/.test(String(line.message)))).toMatchObject([
      { level: 'info', method: 'POST', url: '/graphql' },
    ]);
    expect(logLines().filter((line) => line.level !== 'info')).toEqual([]);
    expect(JSON.stringify(logLines())).not.toMatch(/\n\s+at /);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
