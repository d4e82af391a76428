// The real command line when it cannot listen: exit code 2 and one line that says why, no
// stack trace — a busy port, a privileged port, an address this machine does not have.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliUser } from '../support/run-cli.js';

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'oag-listen-'));
  chmodSync(directory, 0o755);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A fresh database and store for one run, in a folder open to the unprivileged user of the EACCES case. */
function serveArgs(): string[] {
  const runDirectory = mkdtempSync(join(directory, 'run-'));
  chmodSync(runDirectory, 0o777);
  return [
    `sqlite:///${join(runDirectory, 'optuna.db')}`,
    '--artifact-store',
    `file://${join(runDirectory, 'artifacts')}`,
  ];
}

describe('serve when it cannot listen', () => {
  let holder: Server;
  let heldPort: number;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    heldPort = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('exits 2 with one line when the port is in use', async () => {
    const run = await runCli([...serveArgs(), '--host', '127.0.0.1', '--port', String(heldPort)]);

    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: `optuna-artifacts-graphql: port ${heldPort} on 127.0.0.1 is already in use (EADDRINUSE)\n`,
    });
  });

  it('exits 2 with one line when the port needs privileges the user lacks', async () => {
    // Root may bind port 1: run as an unprivileged user then (nobody's ids on Debian).
    const unprivileged: CliUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

    const run = await runCli([...serveArgs(), '--host', '127.0.0.1', '--port', '1'], {}, unprivileged);

    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr:
        'optuna-artifacts-graphql: no permission to listen on port 1 on 127.0.0.1 (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE\n',
    });
  });

  it('exits 2 with one line when the host is not an address of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const run = await runCli([...serveArgs(), '--host', '192.0.2.1', '--port', '0']);

    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'optuna-artifacts-graphql: cannot listen on 192.0.2.1: not an address of this machine (EADDRNOTAVAIL)\n',
    });
  });
});
