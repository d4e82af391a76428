// --download-redirect: GET/HEAD /artifacts/{id} answer 307 to a presigned URL of the bucket that
// carries the Content-Type / Content-Disposition the server would send; the bucket serves the
// bytes and ranges, the server none.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startStagedStore, type StagedStore, type StagedStoreKind } from '../support/staged-stores.js';
import { stagedUpload } from '../support/staged-upload-client.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** curl -L, as a user would run it: the bytes it wrote to stdout. */
async function curl(args: string[]): Promise<Buffer> {
  const { stdout } = await promisify(execFile)('curl', ['-sS', '--fail', '-L', ...args], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** One request, not followed: status, headers and how many body bytes the server sent. */
function requestOnce(
  url: string,
  method: 'GET' | 'HEAD',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method }, (response) => {
      let bodyBytes = 0;
      response.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, bodyBytes }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe.each<StagedStoreKind>(['s3', 'gcs'])('--download-redirect on the %s store', (kind) => {
  let store: StagedStore;
  let server: TestServer;
  /** The same database and store, streaming downloads itself: what the redirect must match. */
  let streamingServer: TestServer;
  let artifactId: string;
  const content = randomBytes(3 * 1024 * 1024 + 11);
  const savedEnvironment = { ...process.env };

  beforeAll(async () => {
    store = await startStagedStore(kind);
    server = await startTestServer([...store.args, '--download-redirect']);
    streamingServer = await startTestServer([`sqlite:///${join(server.directory, 'optuna.db')}`, ...store.args]);
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "redirect") { studyId } }',
    );
    const uploaded = await stagedUpload(
      server,
      { studyId: study.data!.createStudy.studyId, filename: 'résumé.pdf', size: content.length },
      content,
    );
    artifactId = uploaded.artifact!.artifactId;
  });
  afterAll(async () => {
    await streamingServer?.stop();
    await server?.stop();
    await store?.close();
    process.env = savedEnvironment;
  });

  it('GET answers 307 to the bucket, with no body; curl -L gets the stored bytes', async () => {
    const answer = await requestOnce(`${server.url}/artifacts/${artifactId}`, 'GET');
    expect(answer.status).toBe(307);
    expect(answer.bodyBytes).toBe(0);
    expect(String(answer.headers.location)).not.toContain(server.url);
    expect(sha256(await curl([`${server.url}/artifacts/${artifactId}`]))).toBe(sha256(content));
  });

  it('Range works against the bucket', async () => {
    const part = await curl(['-r', '100-1099', `${server.url}/artifacts/${artifactId}`]);
    expect(part.equals(content.subarray(100, 1100))).toBe(true);
  });

  it.each(['', '?download=1'])(
    'the bucket sends the Content-Type and Content-Disposition the server would (query "%s")',
    async (query) => {
      const redirected = await fetch(`${server.url}/artifacts/${artifactId}${query}`);
      expect(redirected.redirected).toBe(true);
      const streamed = await fetch(`${streamingServer.url}/artifacts/${artifactId}${query}`);
      expect(streamed.redirected).toBe(false);
      for (const name of ['content-type', 'content-disposition', 'content-length']) {
        expect(redirected.headers.get(name)).toBe(streamed.headers.get(name));
      }
      expect(sha256(Buffer.from(await redirected.arrayBuffer()))).toBe(sha256(content));
      await streamed.body?.cancel();
    },
  );

  it('HEAD behaves the same, and sends no body either', async () => {
    const answer = await requestOnce(`${server.url}/artifacts/${artifactId}?download=1`, 'HEAD');
    expect(answer.bodyBytes).toBe(0);
    // GCS signs no HEAD: there the server answers it, with the same headers.
    expect(answer.status).toBe(kind === 's3' ? 307 : 200);
    const followed = await fetch(`${server.url}/artifacts/${artifactId}?download=1`, { method: 'HEAD' });
    const streamed = await fetch(`${streamingServer.url}/artifacts/${artifactId}?download=1`, { method: 'HEAD' });
    expect(followed.status).toBe(200);
    for (const name of ['content-type', 'content-disposition', 'content-length']) {
      expect(followed.headers.get(name)).toBe(streamed.headers.get(name));
    }
  });

  it('an unknown artifact is still a 404 of the server', async () => {
    const answer = await requestOnce(`${server.url}/artifacts/00000000-0000-4000-8000-000000000000`, 'GET');
    expect(answer.status).toBe(404);
  });
});
