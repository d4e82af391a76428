// /healthz and /readyz on a real server: readiness says ok / unavailable per dependency and
// nothing about paths or internals (the reasons go to the log), and asking creates nothing.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface LogLine {
  level: string;
  message: string;
  check?: string;
  reason?: string;
}

/** The JSON log lines the server writes to stderr while `run` runs (one logger: src/logger.ts). */
async function logLinesDuring(run: () => Promise<void>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line) as LogLine);
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines;
}

describe('/readyz', () => {
  let server: TestServer;
  /** Folders of the test's own, removed once the server is stopped. */
  const ownFolders: string[] = [];
  afterEach(async () => {
    await server.stop();
    for (const folder of ownFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('creates nothing in a fresh empty store folder, neither at start-up nor when asked', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'oag-readyz-'));
    ownFolders.push(directory);
    const storeFolder = join(directory, 'artifacts');
    mkdirSync(storeFolder);
    server = await startTestServer([
      `sqlite:///${join(directory, 'optuna.db')}`,
      '--artifact-store',
      `file://${storeFolder}`,
    ]);

    for (let request = 0; request < 3; request += 1) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    expect(readdirSync(storeFolder)).toEqual([]);
  });

  it('answers ok per dependency, and only that', async () => {
    server = await startTestServer();

    const response = await fetch(`${server.url}/readyz`);

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: 'ok', artifactStore: 'ok' } });
  });

  it('names the unavailable dependency without paths or messages, and logs the reason', async () => {
    server = await startTestServer();
    const storeFolder = join(server.directory, 'artifacts');
    rmSync(storeFolder, { recursive: true });

    let storeDown: Response | undefined;
    const storeLog = await logLinesDuring(async () => {
      storeDown = await fetch(`${server.url}/readyz`);
    });
    const storeDownBody = await storeDown!.text();

    expect(storeDown!.status).toBe(503);
    expect(JSON.parse(storeDownBody)).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', artifactStore: 'unavailable' },
    });
    expect(storeDownBody).not.toContain(server.directory);
    expect(storeLog).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'not ready',
        check: 'artifactStore',
        reason: expect.stringContaining(storeFolder),
      }),
    ]);

    await server.services.database.close();
    let bothDown: Response | undefined;
    const bothLog = await logLinesDuring(async () => {
      bothDown = await fetch(`${server.url}/readyz`);
    });

    expect(bothDown!.status).toBe(503);
    expect(await bothDown!.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'unavailable', artifactStore: 'unavailable' },
    });
    expect(bothLog.map((line) => line.check)).toEqual(['database', 'artifactStore']);
    expect(readdirSync(server.directory)).not.toContain('artifacts');
  });
});

describe('/healthz', () => {
  it('answers while the process serves, whatever its dependencies', async () => {
    const server = await startTestServer();
    try {
      rmSync(join(server.directory, 'artifacts'), { recursive: true });
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    } finally {
      await server.stop();
    }
  });
});
