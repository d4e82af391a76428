// What each command loads: --help and --version answer without the HTTP server, the database
// driver or the cloud SDKs; a server on a file:// store loads neither SDK, one on s3:// loads
// the AWS SDK only. A module hook in the child process records every module it resolves.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { startServerProcess } from '../support/server-process.js';

// Registered through NODE_OPTIONS before tsx: sees every package a module of ours imports.
const recordingHook = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.RESOLVED_MODULES_LOG, resolved.url + '\\n');
  return resolved;
}`;
const registration = (hookUrl: string) =>
  `import { register } from 'node:module';\nregister(${JSON.stringify(hookUrl)});\n`;

const heavyPackages = {
  httpServer: '/node_modules/graphql-yoga/',
  databaseDriver: '/node_modules/better-sqlite3/',
  awsSdk: '/node_modules/@aws-sdk/client-s3/',
  gcsSdk: '/node_modules/@google-cloud/storage/',
};

let directory: string;
let runs = 0;
let recorderOptions: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lazy-imports-'));
  await writeFile(join(directory, 'hook.mjs'), recordingHook);
  await writeFile(join(directory, 'register.mjs'), registration(pathToFileURL(join(directory, 'hook.mjs')).href));
  recorderOptions = `--import ${pathToFileURL(join(directory, 'register.mjs')).href}`;
});
afterAll(() => rm(directory, { recursive: true, force: true }));

/** An environment that records the modules the child resolves; read them with `loaded()`. */
function recordingEnvironment(): { env: Record<string, string>; loaded(): Promise<(keyof typeof heavyPackages)[]> } {
  const log = join(directory, `resolved-${++runs}.log`);
  return {
    env: {
      NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', recorderOptions].join(' ').trim(),
      RESOLVED_MODULES_LOG: log,
    },
    async loaded() {
      const urls = (await readFile(log, 'utf8').catch(() => '')).split('\n');
      const names = Object.keys(heavyPackages) as (keyof typeof heavyPackages)[];
      return names.filter((name) => urls.some((url) => url.includes(heavyPackages[name])));
    },
  };
}

describe('--help and --version', () => {
  it.each([['--version'], ['--help']])(
    '%s loads neither the server, the database driver nor a cloud SDK',
    async (flag) => {
      const recording = recordingEnvironment();
      const run = await runCli([flag], recording.env);
      expect(run.exitCode).toBe(0);
      expect(await recording.loaded()).toEqual([]);
    },
  );
});

describe('the artifact store adapters', () => {
  it('a server on a file:// store loads no cloud SDK', async () => {
    const recording = recordingEnvironment();
    const server = await startServerProcess(
      [`sqlite:///${join(directory, 'file-store.db')}`, '--artifact-store', `file://${join(directory, 'artifacts')}`],
      recording.env,
    );
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    // The server and the driver were seen: the recording works.
    expect(await recording.loaded()).toEqual(['httpServer', 'databaseDriver']);
  });

  it('an s3:// store loads the AWS SDK and not the GCS one', async () => {
    const recording = recordingEnvironment();
    const run = await runCli(
      [
        `sqlite:///${join(directory, 's3-store.db')}`,
        '--artifact-store',
        's3://lazy-imports',
        '--s3-endpoint',
        'http://127.0.0.1:1',
        '--backoff-max-retries',
        '0',
      ],
      {
        ...recording.env,
        // Credentials of no one, so the SDK looks for none on the network; port 1 refuses at once.
        AWS_ACCESS_KEY_ID: 'lazy',
        AWS_SECRET_ACCESS_KEY: 'imports',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    );
    expect(run.exitCode).toBe(2);
    expect(await recording.loaded()).toContain('awsSdk');
    expect(await recording.loaded()).not.toContain('gcsSdk');
  });
});
