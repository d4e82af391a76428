// Running a database server binary as a private child process for the tests: a free port,
// a log file, readiness by polling a real connection, and a stop that waits for its exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, openSync, readFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { waitUntil } from './wait-until.js';

/** A port nothing listens on right now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port from the probe listener');
  return address.port;
}

/** Throws naming the Debian package when a binary the tests need is not installed. */
export function requireExecutable(path: string, aptPackage: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: install it with \`apt-get install ${aptPackage}\``);
  }
}

/** We run as root in CI; PostgreSQL refuses root, so its binaries run as this system user. */
export const runsAsRoot = process.getuid?.() === 0;

/**
 * `setpriv` runs the command (as `user` when given) with a parent-death signal, so a server
 * never outlives a test run that was killed before its teardown.
 */
export function withParentDeathSignal(command: string[], user?: string): string[] {
  const identity = user === undefined ? [] : [`--reuid=${user}`, `--regid=${user}`, '--init-groups'];
  return ['setpriv', ...identity, '--pdeathsig', 'TERM', '--', ...command];
}

/** Runs a setup command to completion; its output goes to `logPath`, shown when it fails. */
export async function runToCompletion(command: string[], logPath: string): Promise<void> {
  const log = openSync(logPath, 'a');
  try {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', log, log] });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`${command.join(' ')} exited with ${code}:\n${readFileSync(logPath, 'utf8')}`);
  } finally {
    closeSync(log);
  }
}

export interface Daemon {
  pid: number;
  /** Sends `signal` (the server's fast clean shutdown) and resolves once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a long-running server and resolves once `isReady` (a real connection attempt)
 * succeeds; rejects with the server's log if it exits first or never gets ready.
 */
export async function startDaemon(
  command: string[],
  logPath: string,
  what: string,
  isReady: () => Promise<boolean>,
): Promise<Daemon> {
  const log = openSync(logPath, 'a');
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: ['ignore', log, log] });
  closeSync(log);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // could not be started at all
  }).then(() => {
    running = false;
  });
  try {
    await waitUntil(async () => !running || (await isReady()), `${what} accepts connections`, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${readFileSync(logPath, 'utf8')}`);
  }
  if (!running) throw new Error(`${what} exited while starting:\n${readFileSync(logPath, 'utf8')}`);
  return {
    pid: child.pid!,
    async stop(signal) {
      if (running) child.kill(signal);
      await exited;
    },
  };
}
