// How fast the command line answers and the server starts, as a user runs them: the bin script
// (compiled JavaScript in dist/, plain node) for --version and --help, and `node dist/main.js`
// on the embedded defaults (a fresh SQLite file and artifact folder in a temp directory) until
// /healthz answers 200. Median of 3 each. Before the compiled start, --version took 1.4 s
// (tsx, and every module loaded eagerly).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './support/child-process.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { formatMs, median } from './support/units.js';

const runs = 3;
const binScript = join(projectRoot, 'bin', 'optuna-artifacts-graphql.js');
const mainScript = join(projectRoot, 'dist', 'main.js');

/** Milliseconds from spawn to exit of `node args…`, which must exit 0. */
function timeCommand(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(' ')} exited ${code}`)),
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Milliseconds from spawning the server on the defaults (in a fresh folder) to /healthz 200. */
async function timeStartToHealthz(): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-startup-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [mainScript, '--port', String(port)], { cwd: directory, stdio: 'ignore' });
  try {
    for (let attempt = 0; attempt < 3000; attempt++) {
      const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (answered) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('the server did not answer /healthz');
  } finally {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  }
}

async function medianOf(what: string, measure: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await measure());
  progress(`${what}: ${times.map((time) => formatMs(time)).join(', ')}`);
  return median(times);
}

export async function runStartupBenchmark(): Promise<ResultRow[]> {
  const version = await medianOf('--version', () => timeCommand([binScript, '--version'], projectRoot));
  const help = await medianOf('--help', () => timeCommand([binScript, '--help'], projectRoot));
  const start = await medianOf('start to /healthz', timeStartToHealthz);
  return [
    {
      benchmark: 'startup',
      measure: `bin --version, median of ${runs} (was 1.4 s)`,
      value: formatMs(version),
      target: '< 300 ms',
      met: version < 300,
    },
    {
      benchmark: 'startup',
      measure: `bin --help, median of ${runs}`,
      value: formatMs(help),
      target: '< 300 ms',
      met: help < 300,
    },
    {
      benchmark: 'startup',
      measure: `node dist/main.js on the defaults → /healthz 200, median of ${runs}`,
      value: formatMs(start),
      target: '< 1 s',
      met: start < 1000,
    },
  ];
}
