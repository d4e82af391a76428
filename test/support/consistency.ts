// The consistency check (`optuna-artifacts-graphql check --json`, like git fsck) run as the real
// CLI in a child process, as an operator would after a crash.
import { expect } from 'vitest';
import { runCli } from './run-cli.js';

export interface ConsistencyCheckJson {
  consistent: boolean;
  metadataRows: number;
  storedObjects: number;
  tombstones: number;
  malformedRows: number;
  missingBytes: { artifactId: string; studyId: number; trialId: number | null; filename: string; legacy: boolean }[];
  orphanedObjects: string[];
}

/**
 * `check STORAGE_URL --artifact-store URL ...extraArgs --json`; resolves with the parsed report.
 * Exit code 0 means consistent, 1 problems found; anything else (or no JSON) fails the test.
 */
export async function runConsistencyCheck(
  storageArgs: string[],
  env: Record<string, string> = {},
): Promise<ConsistencyCheckJson> {
  const run = await runCli(['check', ...storageArgs, '--json'], env);
  expect([0, 1], `check exited with ${run.exitCode}: ${run.stderr}`).toContain(run.exitCode);
  const report = JSON.parse(run.stdout) as ConsistencyCheckJson;
  expect(run.exitCode).toBe(report.consistent ? 0 : 1);
  return report;
}
