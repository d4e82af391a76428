// `npm start` and the bin script run the JavaScript bundled from src/ (build.mjs) with plain
// node, and from there find what they read at run time: package.json for --version, GraphiQL's
// files for the GraphiQL page, the spool worker's own file for uploads.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const binScript = 'bin/optuna-artifacts-graphql.js';
const run = promisify(execFile);

let directory: string;
let server: ServerProcess;
beforeAll(async () => {
  // What `npm ci` runs through the prepare script.
  await run('npm', ['run', '--silent', 'build'], { cwd: projectRoot });
  directory = await mkdtemp(join(tmpdir(), 'compiled-start-'));
  server = await startServerProcess(
    [`sqlite:///${join(directory, 'optuna.db')}`, '--artifact-store', `file://${join(directory, 'artifacts')}`],
    {},
    [binScript],
  );
}, 300_000);
afterAll(async () => {
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

it('--version prints the version in package.json', async () => {
  const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  const { stdout } = await run(process.execPath, [binScript, '--version'], { cwd: projectRoot });
  expect(stdout).toBe(`${version}\n`);
});

it('serves GraphQL, the health routes and the web page', async () => {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${server.url}/`)).status).toBe(200);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ studies { totalCount } }' }),
  });
  expect(await response.json()).toEqual({ data: { studies: { totalCount: 0 } } });
});

it('serves the GraphiQL page and every file it references from the installed package', async () => {
  const html = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
  const assets = [...html.matchAll(/\s(?:src|href)="(\/graphql\/assets\/[^"]+)"/g)].map((match) => match[1]!);
  expect(assets.length).toBeGreaterThanOrEqual(2);
  for (const asset of assets) expect((await fetch(server.url + asset, { method: 'HEAD' })).status).toBe(200);
});

it('stores an upload byte for byte through the spool worker thread of the bundle', async () => {
  const post = (query: string) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
  const created = (await (await post('mutation { createStudy(name: "bundle") { studyId } }')).json()) as {
    data: { createStudy: { studyId: number } };
  };
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const form = new FormData();
  const operation = `mutation($file: Upload!) { uploadArtifact(studyId: ${created.data.createStudy.studyId}, file: $file) { size sha256 downloadUrl } }`;
  form.append('operations', JSON.stringify({ query: operation, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([bytes]), 'random.bin');
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'x-graphql-yoga-csrf': '1' },
    body: form,
  });
  const { data } = (await response.json()) as {
    data: { uploadArtifact: { size: number; sha256: string; downloadUrl: string } };
  };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  expect(data.uploadArtifact).toMatchObject({ size: bytes.length, sha256 });
  const downloaded = Buffer.from(await (await fetch(server.url + data.uploadArtifact.downloadUrl)).arrayBuffer());
  expect(createHash('sha256').update(downloaded).digest('hex')).toBe(sha256);
});
