// A real Python Optuna process writing to the same SQLite file as the server (trials, params,
// values, user attributes through Optuna's RDBStorage) for as long as a test needs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemPython } from './python-optuna.js';

const script = fileURLToPath(new URL('./python/optuna_writer.py', import.meta.url));

export interface OptunaWriterReport {
  /** Storage calls that committed. */
  writes: number;
  trials: number;
  /** The first errors Optuna raised ("database is locked", ...), and how many there were. */
  errors: string[];
  error_count: number;
  exitCode: number | null;
  stderr: string;
}

export interface OptunaWriter {
  /** Writes committed so far (as last reported by the process). */
  writesSoFar(): number;
  /** Tells the process to finish its round and stop; resolves with its report. */
  stop(): Promise<OptunaWriterReport>;
}

/** Starts the writer on `studyName` and resolves once its first round of writes has committed. */
export async function startOptunaWriter(
  databasePath: string,
  studyName: string,
  maxSeconds = 60,
): Promise<OptunaWriter> {
  const child = spawn(systemPython, [script, databasePath, studyName, String(maxSeconds)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': the report line must have been read from stdout too.
  const closed = once(child, 'close') as Promise<[number | null]>;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let writes = 0;
  let finalLine: string | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    void closed.then(([code]) =>
      reject(new Error(`optuna_writer.py exited with ${code} before its first round:\n${stderr}`)),
    );
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') markReady();
    else if (line.startsWith('writes ')) writes = Number(line.slice('writes '.length));
    else if (line.startsWith('{')) finalLine = line;
  });
  await ready;
  return {
    writesSoFar: () => writes,
    async stop() {
      child.stdin.end();
      const [exitCode] = await closed;
      if (finalLine === undefined) throw new Error(`optuna_writer.py printed no report (exit ${exitCode}):\n${stderr}`);
      return { ...(JSON.parse(finalLine) as Omit<OptunaWriterReport, 'exitCode' | 'stderr'>), exitCode, stderr };
    },
  };
}
