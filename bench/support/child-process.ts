// Processes under test run as children (`node --import tsx …`), so their memory is measured
// alone and the benchmark's own work does not compete inside their event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Output kept for error messages; a long run must not accumulate every log line. */
const keptOutputChars = 64 * 1024;

export interface ListeningChild {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last lines the child wrote (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx <script> <args>` in the project folder and resolves with the URL
 * once a line of its output matches `urlPattern` (first group = base URL).
 */
export async function startListeningChild(script: string, args: string[], urlPattern: RegExp): Promise<ListeningChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: projectRoot,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const collect = (chunk: string) => {
      output = (output + chunk).slice(-keptOutputChars);
      const match = urlPattern.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.setEncoding('utf8').on('data', collect);
    child.stderr!.setEncoding('utf8').on('data', collect);
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited (${code ?? signal}) before listening:\n${output}`)),
    );
  });
  const exited = once(child, 'exit');
  return {
    url,
    pid: child.pid!,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ServerUnderTest {
  /** The Optuna SQLite file, or the storage URL of a database of any dialect. */
  databasePath: string;
  /** The FileSystem artifact store's folder. */
  artifactDirectory: string;
  /** More CLI flags. */
  extraArgs?: string[];
}

/** A storage URL as it is; a SQLite file path as its `sqlite:///` URL. */
export const storageUrlOf = (databasePathOrUrl: string): string =>
  databasePathOrUrl.includes('://') ? databasePathOrUrl : `sqlite:///${databasePathOrUrl}`;

/** The real CLI (src/main.ts), as `npm start` runs it, on a random port. */
export function startServerProcess({
  databasePath,
  artifactDirectory,
  extraArgs = [],
}: ServerUnderTest): Promise<ListeningChild> {
  return startListeningChild(
    'src/main.ts',
    [storageUrlOf(databasePath), '--artifact-store', `file://${artifactDirectory}`, '--port', '0', ...extraArgs],
    /"url":"(http:\/\/[^"]+)\/graphql"/,
  );
}

/** bench/baseline-server.ts: bare node:http upload and download, the yardstick for the ratios. */
export function startBaselineServer(directory: string): Promise<ListeningChild> {
  return startListeningChild('bench/baseline-server.ts', [directory], /^listening (http:\/\/\S+)$/m);
}
