// Runs the real CLI as a child process (for crash tests: kill -9 and restart), and resolves
// once it logs the URL it serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** Everything the server wrote to stdout so far. */
  stdout(): string;
  /** SIGKILL, no clean-up: what a crash looks like. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** @param entry what node runs: the sources through tsx, or e.g. the compiled bin script */
export async function startServerProcess(
  args: string[],
  env: Record<string, string> = {},
  entry: string[] = ['--import', 'tsx', 'src/main.ts'],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...entry, '--port', '0', ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before serving:\n${stderr}`)));
  });
  const exited = once(child, 'exit');
  return {
    url,
    child,
    log: () => stderr,
    stdout: () => stdout,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
