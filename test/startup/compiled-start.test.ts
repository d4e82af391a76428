// `npm start` and the bin script run the JavaScript compiled from src/ (tsconfig.build.json)
// with plain node, and from there find what they read at run time: package.json for
// --version, GraphiQL's files for the GraphiQL page.
import { execFile } from 'node:child_process';
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
  // What `npm ci` runs through the prepare script (incremental: quick when dist/ is current).
  await run('npm', ['run', '--silent', 'build'], { cwd: projectRoot });
  directory = await mkdtemp(join(tmpdir(), 'compiled-start-'));
  server = await startServerProcess([`sqlite:///${join(directory, 'optuna.db')}`, '--artifact-store', `file://${join(directory, 'artifacts')}`], {}, [binScript]);
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

it('serves GraphQL, the health routes and the landing page', async () => {
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

it("serves the GraphiQL page and every file it references from the installed package", async () => {
  const html = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
  const assets = [...html.matchAll(/\s(?:src|href)="(\/graphql\/assets\/[^"]+)"/g)].map((match) => match[1]!);
  expect(assets.length).toBeGreaterThanOrEqual(2);
  for (const asset of assets) expect((await fetch(server.url + asset, { method: 'HEAD' })).status).toBe(200);
});
