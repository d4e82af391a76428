// kill -9 of the server in the middle of a large upload, then a restart: no metadata row for
// it, no object under any artifact id, no spool or temporary file.
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { leftovers } from '../support/leftovers.js';

let directory: string;
let server: ServerProcess | undefined;

afterEach(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** Resolves once `condition` holds, checking each time the folder changes (or every 20 ms). */
async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function spoolBytes(storeFolder: string): number {
  const spool = join(storeFolder, '.spool');
  if (!existsSync(spool)) return 0;
  return readdirSync(spool).reduce((total, name) => total + statSync(join(spool, name)).size, 0);
}

it('leaves nothing of a 512 MiB upload cut short by kill -9, once restarted', async () => {
  directory = mkdtempSync(join(tmpdir(), 'oag-crash-'));
  const databasePath = join(directory, 'optuna.db');
  const storeFolder = join(directory, 'artifacts');
  const args = [`sqlite:///${databasePath}`, '--artifact-store', `file://${storeFolder}`];
  server = await startServerProcess(args);
  const created = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { createStudy(name: "crash") { studyId } }' }),
  });
  expect(((await created.json()) as { data: unknown }).data).toBeTruthy();

  // A 512 MiB multipart upload, streamed from a repeated 1 MiB block.
  const boundary = 'crashBOUNDARY';
  const operations = JSON.stringify({
    query: 'mutation($f: Upload!) { uploadArtifact(studyId: 1, file: $f) { artifactId } }',
    variables: { f: null },
  });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const block = Buffer.alloc(1024 * 1024, 7);
  const request = httpRequest(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' },
  });
  request.on('error', () => {}); // the server dies under it
  request.write(head);
  let sent = 0;
  const pump = () => {
    while (sent < 512 && request.write(block)) sent++;
    if (sent < 512)
      request.once('drain', () => {
        sent++;
        pump();
      });
  };
  pump();

  await until(() => spoolBytes(storeFolder) > 32 * 1024 * 1024, 'the server has spooled 32 MiB');
  await server.kill9();
  request.destroy();
  expect(spoolBytes(storeFolder)).toBeGreaterThan(0); // the crash did leave a spool file behind

  server = await startServerProcess(args);
  const after = leftovers(databasePath, storeFolder);
  expect(after.metadataKeys).toEqual([]);
  expect(after.storedObjects).toEqual([]);
  expect(after.temporaryFiles).toEqual([]);
});
