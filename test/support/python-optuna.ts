// Real Python Optuna as a test oracle: opens a database and reports what Optuna sees.
// Uses Debian's python3-optuna (3.1) at /usr/bin/python3 — CI installs it with apt — because
// the python3 on PATH may be a pyenv without Optuna. Tests that need it skip themselves when it
// is missing (inject('pythonOptuna'), probed by python-optuna-probe.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const systemPython = '/usr/bin/python3';
const scriptPath = (name: string): string => fileURLToPath(new URL(`./python/${name}`, import.meta.url));

type PythonFloat = number | 'Infinity' | '-Infinity' | 'NaN';

export interface OptunaTrialView {
  trial_id: number;
  number: number;
  state: string;
  values: PythonFloat[] | null;
  params: Record<string, unknown>;
  distributions: Record<string, unknown>;
  intermediate_values: Record<string, PythonFloat>;
  datetime_start: string | null;
  datetime_complete: string | null;
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
}

export interface OptunaView {
  optuna_version: string;
  /** Upstream Optuna's acceptance check: one version_info row with schema 12, alembic v3.2.0.a. */
  accepted: boolean;
  schema_versions: number[];
  alembic_versions: string[];
  studies: {
    study_id: number;
    name: string;
    directions: string[];
    user_attrs: Record<string, unknown>;
    system_attrs: Record<string, unknown>;
    trials: OptunaTrialView[];
  }[];
}

/** What real Optuna sees in the SQLite database at a path, or in the storage of a SQLAlchemy URL. */
export async function inspectWithOptuna(databasePathOrUrl: string): Promise<OptunaView> {
  const { stdout } = await promisify(execFile)(systemPython, [scriptPath('optuna_inspect.py'), databasePathOrUrl], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as OptunaView;
}

/**
 * Starts another process that holds SQLite's write lock on the database for `seconds`, and
 * resolves once the lock is taken. Await `released` for the process to have committed.
 */
export async function holdWriteLock(databasePath: string, seconds: number): Promise<{ released: Promise<unknown> }> {
  const child: ChildProcess = spawn(systemPython, [scriptPath('hold_write_lock.py'), databasePath, String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  if (chunk.toString().trim() !== 'locked') throw new Error(`lock holder said ${JSON.stringify(chunk.toString())}`);
  return { released: exited };
}

export interface OptunaArtifactMeta {
  artifact_id: string;
  filename: string;
  mimetype: string;
  encoding: string | null;
}

/**
 * What Optuna's `get_all_artifact_meta` returns for a study or trial of the database (a SQLite
 * path or a SQLAlchemy URL; upstream
 * code mirrored in python/optuna_artifact_meta.py), or the error it raises.
 */
export async function listArtifactsWithOptuna(
  databasePathOrUrl: string,
  owner: { studyId: number } | { trialId: number },
): Promise<OptunaArtifactMeta[] | { error: string }> {
  const [kind, id] = 'studyId' in owner ? ['study', owner.studyId] : ['trial', owner.trialId];
  const { stdout } = await promisify(execFile)(
    systemPython,
    [scriptPath('optuna_artifact_meta.py'), databasePathOrUrl, kind, String(id)],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as OptunaArtifactMeta[] | { error: string };
}

/** A Python Optuna worker process (python/optuna_trial_worker.py) on one study of a storage. */
export interface OptunaWorker {
  /** Lets the worker begin its trials (it waits for this after loading the study). */
  start(): void;
  /** The numbers of the trials it asked for, once it is done. */
  numbers: Promise<number[]>;
}

/** Starts a worker that will ask and tell `trials` trials; resolves once it has loaded the study. */
export async function startOptunaWorker(
  url: string,
  studyName: string,
  trials: number,
  env: Record<string, string> = {},
): Promise<OptunaWorker> {
  const child = spawn(systemPython, [scriptPath('optuna_trial_worker.py'), url, studyName, String(trials)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    void exited.then(([code]) =>
      reject(new Error(`Optuna worker exited with ${code} before it was ready:\n${stderr}`)),
    );
  });
  return {
    start: () => child.stdin!.end('go\n'),
    numbers: exited.then(([code]) => {
      if (code !== 0) throw new Error(`Optuna worker exited with ${code}:\n${stderr}`);
      return JSON.parse(stdout.slice('ready\n'.length)) as number[];
    }),
  };
}
