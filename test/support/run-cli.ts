// Runs the real command line (src/main.ts through tsx) in a child process, as a user would,
// and collects its exit code and output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectDirectory = fileURLToPath(new URL('../../', import.meta.url));

// Settings a developer's shell may carry that would change which database or store the CLI
// opens; each test names its own.
const inheritedSettingsToDrop = [
  'OPTUNA_STORAGE',
  'OPTUNA_ARTIFACT_STORE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_PROFILE',
];

export interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Who the child runs as (numeric ids); this process's user by default. */
export interface CliUser {
  uid?: number;
  gid?: number;
}

/** `optuna-artifacts-graphql ...args`, with `env` added to this process's environment. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, user: CliUser = {}): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of inheritedSettingsToDrop) if (!(name in env)) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: projectDirectory,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...user,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}
