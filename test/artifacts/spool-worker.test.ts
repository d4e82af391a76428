// The spool writer as the server runs it from dist/: compiled to JavaScript, it starts its
// thread from the compiled .js sibling with plain node (no TypeScript loader).
import type * as SpoolWorkerModule from '../../src/artifacts/spool-worker.js';
import { createHash, randomFillSync } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterEach, beforeEach, expect, it } from 'vitest';

/** The writer and everything its thread needs, with nothing else beside them. */
const spoolWriterModules = ['spool-worker.ts', 'spool-worker-thread.ts', 'spool-worker-protocol.ts'];
const sourceDirectory = new URL('../../src/artifacts/', import.meta.url);

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'oag-spool-worker-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Compiles the writer's modules into `directory` as tsc does for dist/ (ES modules, .js). */
async function compileSpoolWriter(): Promise<URL> {
  await writeFile(join(directory, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const name of spoolWriterModules) {
    const source = await readFile(new URL(name, sourceDirectory), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: name,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    await writeFile(join(directory, name.replace(/\.ts$/, '.js')), outputText);
  }
  return pathToFileURL(join(directory, 'spool-worker.js'));
}

it('writes and hashes on its thread when compiled to JavaScript, as the server runs it', async () => {
  const compiled: typeof SpoolWorkerModule = await import(/* @vite-ignore */ (await compileSpoolWriter()).href);
  // Each over memory of its own, which moves to the thread.
  const parts = [300_000, 1, 70_000].map((size) => randomFillSync(new Uint8Array(size)));
  const expected = Buffer.concat(parts);
  const path = join(directory, 'spooled');
  const failures: Error[] = [];
  let bytesWritten = 0;
  const writer = compiled.startSpoolWriter(openSync(path, 'w'), {
    flushEvery: 0,
    onWritten: (written) => (bytesWritten = written),
    onFailure: (error) => failures.push(error),
  });
  for (const part of parts) writer.append([part], [part.buffer]);

  const sha256 = await writer.finish(expected.length);
  await writer.closed;

  expect(failures).toEqual([]);
  expect(sha256).toBe(createHash('sha256').update(expected).digest('hex'));
  expect(bytesWritten).toBe(expected.length);
  expect((await readFile(path)).equals(expected)).toBe(true);
});
