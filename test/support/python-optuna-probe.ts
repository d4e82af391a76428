// vitest globalSetup: looks once per run for the Python Optuna that the compatibility tests drive
// (optuna and boto3 importable by the system Python) and tells the test files through
// inject('pythonOptuna'). Missing: those tests are skipped with one line saying what to install,
// except under CI=true, where they are required and the run fails.
import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { systemPython } from './python-optuna.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Whether the system Python can import optuna and boto3. */
    pythonOptuna: boolean;
  }
}

const whatTheyNeed = `they need ${systemPython} with optuna and boto3 (Debian: apt-get install python3-optuna python3-boto3)`;

export default function probePythonOptuna(project: TestProject): void {
  const probe = spawnSync(systemPython, ['-c', 'import optuna, boto3'], { stdio: 'ignore' });
  const available = probe.status === 0;
  if (!available) {
    if (process.env.CI === 'true')
      throw new Error(`Python Optuna compatibility tests are required under CI=true: ${whatTheyNeed}`);
    console.log(`Python Optuna compatibility tests skipped: ${whatTheyNeed}`);
  }
  project.provide('pythonOptuna', available);
}
