// Downloads from a real server on a copy of the Optuna fixture: bytes, ranges, validators,
// and headers that keep artifacts from acting as pages of this origin.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { get, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type FixtureCopy } from '../support/fixture.js';
import { startServerOnFixtureCopy, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';

const manifest = loadManifest();
const artifactNamed = (filename: string) => manifest.artifacts.find((artifact) => artifact.filename === filename)!;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let fixture: FixtureCopy;
let server: TestServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ server, fixture, stop } = await startServerOnFixtureCopy());
});

afterAll(() => stop());

/** GET without content decoding (fetch would gunzip an artifact stored with encoding gzip). */
function rawGet(path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${server.url}${path}`, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    }).on('error', reject);
  });
}

const download = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${server.url}${path}`, { method, headers });

describe('GET /artifacts/{artifactId}', () => {
  it('serves every fixture artifact with identical bytes, its type and its length', async () => {
    for (const artifact of manifest.artifacts) {
      const response = await rawGet(`/artifacts/${artifact.artifact_id}`);
      expect(response.status).toBe(200);
      expect(sha256(response.body)).toBe(artifact.sha256);
      expect(response.headers['content-length']).toBe(String(artifact.size));
      expect(response.headers['content-type']).toBe(
        artifact.encoding === 'gzip' ? 'application/gzip' : artifact.mimetype,
      );
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toContain('sandbox');
    }
  });

  it('serves an encoded artifact as the compressed file it is: its own type, no Content-Encoding, bytes that fetch() leaves alone', async () => {
    const tarball = artifactNamed('bundle.tar.gz');
    const raw = await rawGet(`/artifacts/${tarball.artifact_id}`);
    expect(raw.headers['content-encoding']).toBeUndefined();
    expect(raw.headers['content-type']).toBe('application/gzip');
    expect(sha256(raw.body)).toBe(tarball.sha256);
    // fetch() decodes any Content-Encoding it is sent: with none, it hands over the stored bytes.
    const fetched = await download(`/artifacts/${tarball.artifact_id}`);
    expect(sha256(new Uint8Array(await fetched.arrayBuffer()))).toBe(tarball.sha256);
  });

  it.each([
    ['gzip', 'application/gzip'],
    ['bzip2', 'application/x-bzip2'],
    ['xz', 'application/x-xz'],
    ['compress', 'application/x-compress'],
    ['br', 'application/x-brotli'],
    ['zstd', 'application/octet-stream'],
  ])('gives an artifact with encoding %s the type %s and an attachment disposition', async (encoding, contentType) => {
    const content = randomBytes(64);
    const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
      server.url,
      'mutation($file: Upload!, $encoding: String!) { uploadArtifact(studyId: 1, file: $file, mimetype: "text/csv", encoding: $encoding) { artifactId } }',
      { file: null, encoding },
      [{ variablePath: 'variables.file', content, filename: 'table.csv.packed' }],
    );
    const response = await rawGet(`/artifacts/${body.data!.uploadArtifact.artifactId}`);
    expect(response.headers['content-type']).toBe(contentType);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers['content-disposition']).toMatch(/^attachment/);
    expect(response.body.equals(content)).toBe(true);
  });

  it('answers Range: bytes=100-199 with exactly those 100 bytes, 206 and Content-Range', async () => {
    const png = artifactNamed('plot.png');
    const whole = readFileSync(join(fixture.artifactsPath, png.artifact_id));
    const response = await download(`/artifacts/${png.artifact_id}`, { range: 'bytes=100-199' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-199/${png.size}`);
    expect(response.headers.get('content-length')).toBe('100');
    expect(Buffer.from(await response.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);
  });

  it('answers suffix and open ranges, and 416 past the end', async () => {
    const png = artifactNamed('plot.png');
    const whole = readFileSync(join(fixture.artifactsPath, png.artifact_id));
    const suffix = await download(`/artifacts/${png.artifact_id}`, { range: 'bytes=-10' });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 10))).toBe(true);
    const open = await download(`/artifacts/${png.artifact_id}`, { range: `bytes=${png.size - 5}-` });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(5);
    const beyond = await download(`/artifacts/${png.artifact_id}`, { range: `bytes=${png.size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${png.size}`);
  });

  it('answers HEAD with the same headers as GET and no body', async () => {
    const png = artifactNamed('plot.png');
    const get = await download(`/artifacts/${png.artifact_id}`);
    await get.arrayBuffer();
    const head = await download(`/artifacts/${png.artifact_id}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    const comparable = (headers: Headers) =>
      [...headers.entries()].filter(([name]) => name !== 'date' && name !== 'connection' && name !== 'keep-alive');
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('gives a strong ETag and answers If-None-Match with 304', async () => {
    const png = artifactNamed('plot.png');
    const first = await download(`/artifacts/${png.artifact_id}`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await download(`/artifacts/${png.artifact_id}`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(first.headers.get('cache-control')).toContain('immutable');
  });

  it('puts a Japanese filename in filename*=UTF-8 and never inlines SVG', async () => {
    const report = artifactNamed('結果レポート.txt');
    const response = await download(`/artifacts/${report.artifact_id}`);
    expect(response.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent('結果レポート.txt')}`,
    );
    expect(response.headers.get('content-disposition')).toMatch(/^inline/);
    const svg = artifactNamed('plot #1 (final).svg');
    expect((await download(`/artifacts/${svg.artifact_id}`)).headers.get('content-disposition')).toMatch(/^attachment/);
    const forced = await download(`/artifacts/${report.artifact_id}?download=1`);
    expect(forced.headers.get('content-disposition')).toMatch(/^attachment/);
  });

  it('serves an empty artifact as 200 with length 0', async () => {
    const empty = artifactNamed('empty.txt');
    const response = await download(`/artifacts/${empty.artifact_id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
  });

  it('answers 404 (not 500) when the metadata is there but the bytes are gone', async () => {
    const notes = artifactNamed('kept.txt');
    rmSync(join(fixture.artifactsPath, notes.artifact_id));
    const response = await download(`/artifacts/${notes.artifact_id}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/bytes are not in the artifact store/);
  });

  it('answers 404 for an unknown id and for a tombstoned artifact', async () => {
    expect((await download('/artifacts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    for (const tombstone of manifest.tombstones)
      expect((await download(`/artifacts/${tombstone.artifact_id}`)).status).toBe(404);
  });

  it.each([
    ['/artifacts/..%2F..%2Fetc%2Fpasswd'],
    ['/artifacts/%2Fetc%2Fpasswd'],
    ['/artifacts/not-a-uuid'],
    ['/artifacts/1/2/3/00000000-0000-4000-8000-000000000000'],
    ['/artifacts/abc/00000000-0000-4000-8000-000000000000'],
    ['/artifacts/%E0%A4%A'],
  ])('answers %s with 400', async (path) => {
    expect((await download(path)).status).toBe(400);
  });

  it('refuses other methods with 405 and Allow', async () => {
    const png = artifactNamed('plot.png');
    const response = await download(`/artifacts/${png.artifact_id}`, {}, 'DELETE');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe("optuna-dashboard's paths", () => {
  it('serve a study artifact under its study only', async () => {
    const png = artifactNamed('plot.png');
    expect((await download(`/artifacts/1/${png.artifact_id}`)).status).toBe(200);
    expect((await download(`/artifacts/2/${png.artifact_id}`)).status).toBe(404);
  });

  it('serve a trial artifact (and the legacy dashboard one) under its study and trial only', async () => {
    const legacy = manifest.artifacts.find((artifact) => artifact.kind === 'dashboard-legacy')!;
    const { study_id: studyId, trial_id: trialId } = legacy.owner as { study_id: number; trial_id: number };
    const ok = await download(`/artifacts/${studyId}/${trialId}/${legacy.artifact_id}`);
    expect(ok.status).toBe(200);
    expect(sha256(new Uint8Array(await ok.arrayBuffer()))).toBe(legacy.sha256);
    expect((await download(`/artifacts/${studyId}/${trialId + 1}/${legacy.artifact_id}`)).status).toBe(404);
    expect((await download(`/artifacts/${studyId + 1}/${trialId}/${legacy.artifact_id}`)).status).toBe(404);
  });
});

describe('large downloads', () => {
  it('survive a client that goes away mid-body, and serve the next request whole', async () => {
    const content = randomBytes(16 * 1024 * 1024);
    const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
      server.url,
      'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
      { file: null },
      [{ variablePath: 'variables.file', content, filename: 'weights.bin' }],
    );
    const { artifactId } = body.data!.uploadArtifact;

    const aborted = new AbortController();
    const partial = await fetch(`${server.url}/artifacts/${artifactId}`, { signal: aborted.signal });
    const reader = partial.body!.getReader();
    const first = await reader.read();
    expect(first.value!.byteLength).toBeGreaterThan(0);
    aborted.abort();

    const whole = await rawGet(`/artifacts/${artifactId}`);
    expect(whole.status).toBe(200);
    expect(sha256(whole.body)).toBe(sha256(content));
    const ranged = await download(`/artifacts/${artifactId}`, {
      range: `bytes=${3 * 1024 * 1024 - 10}-${5 * 1024 * 1024 + 9}`,
    });
    expect(
      Buffer.from(await ranged.arrayBuffer()).equals(content.subarray(3 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10)),
    ).toBe(true);
  });
});
