// A Python Optuna worker process (python/optuna_artifact_worker.py) that asks and tells trials of
// one study and uploads an artifact to each through upstream Optuna's calls: metadata with
// storage.set_trial_system_attr, bytes with boto3 to an S3 endpoint.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { systemPython } from './python-optuna.js';

const script = fileURLToPath(new URL('./python/optuna_artifact_worker.py', import.meta.url));

/** One artifact the worker wrote, as it reports it. */
export interface WorkerArtifact {
  artifact_id: string;
  trial_id: number;
  filename: string;
  size: number;
  sha256: string;
}

export interface OptunaArtifactWorker {
  /** Lets the worker begin its trials (it waits for this after loading the study). */
  start(): void;
  /** Every artifact it wrote, in its order, once it exited successfully. */
  artifacts: Promise<WorkerArtifact[]>;
}

/** Starts a worker on `studyName` of the storage at `url`; resolves once it has loaded the study. */
export async function startOptunaArtifactWorker(options: {
  url: string;
  studyName: string;
  trials: number;
  s3Endpoint: string;
  bucket: string;
}): Promise<OptunaArtifactWorker> {
  const { url, studyName, trials, s3Endpoint, bucket } = options;
  const child = spawn(systemPython, [script, url, studyName, String(trials), s3Endpoint, bucket], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Keep a developer's AWS configuration out of the boto3 client.
    env: {
      PATH: process.env.PATH ?? '/usr/bin',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      // It imports its sibling optuna_artifact_stores.py: no __pycache__ in the source tree.
      PYTHONDONTWRITEBYTECODE: '1',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    void exited.then(([code]) =>
      reject(new Error(`Optuna artifact worker exited with ${code} before it was ready:\n${stderr}`)),
    );
  });
  return {
    start: () => child.stdin.end('go\n'),
    artifacts: exited.then(([code]) => {
      if (code !== 0) throw new Error(`Optuna artifact worker exited with ${code}:\n${stderr}`);
      return stdout
        .slice('ready\n'.length)
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as WorkerArtifact);
    }),
  };
}
