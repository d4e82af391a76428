// The Optuna sample fixture (written by real Python Optuna, see test/fixtures/optuna-sample/README.md):
// a writable temp copy for each test, and its MANIFEST.json typed. The original is never opened.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtureDirectory = fileURLToPath(new URL('../fixtures/optuna-sample/', import.meta.url));

/** Non-finite floats are the strings 'Infinity', '-Infinity', 'NaN' in the manifest. */
export type ManifestFloat = number | 'Infinity' | '-Infinity' | 'NaN';

export interface ManifestParam {
  external: unknown;
  internal: number;
  distribution_json: string;
}

export interface ManifestTrial {
  trial_id: number;
  number: number;
  state: string;
  values: ManifestFloat[] | null;
  datetime_start: string | null;
  datetime_complete: string | null;
  params: Record<string, ManifestParam>;
  intermediate_values: { step: number; value: ManifestFloat }[];
  user_attrs: Record<string, unknown>;
  system_attr_keys: string[];
}

export interface ManifestStudy {
  study_id: number;
  study_name: string;
  directions: string[];
  n_trials: number;
  n_trials_by_state: Record<string, number>;
  user_attrs: Record<string, unknown>;
  system_attr_keys: string[];
  trials: ManifestTrial[];
}

export interface ManifestArtifact {
  artifact_id: string;
  owner: { type: 'study' | 'trial'; study_id: number; study_name: string; trial_id?: number; trial_number?: number };
  kind: 'optuna' | 'dashboard-legacy';
  filename: string;
  mimetype: string;
  encoding: string | null;
  size: number;
  sha256: string;
  attr_table: string;
  attr_key: string;
  value_json: string;
}

export interface FixtureManifest {
  studies: ManifestStudy[];
  artifacts: ManifestArtifact[];
  tombstones: { artifact_id: string; attr_key: string; value_json: string }[];
  /** What Optuna's get_all_artifact_meta returned per study name and owner ("study", "trial#N"): ids, or the error it raised. */
  optuna_get_all_artifact_meta: Record<string, Record<string, string[] | { error: string }>>;
  counts: { studies: number; trials: number; artifacts: number; tombstones: number };
}

export const loadManifest = (): FixtureManifest =>
  JSON.parse(readFileSync(join(fixtureDirectory, 'MANIFEST.json'), 'utf8')) as FixtureManifest;

export interface FixtureCopy {
  directory: string;
  databasePath: string;
  artifactsPath: string;
  remove(): void;
}

function makeWritable(path: string): void {
  chmodSync(path, statSync(path).mode | 0o200);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

/** A fresh writable copy of the fixture in a temp folder (a checkout may be read-only). */
export function copyFixture(): FixtureCopy {
  const directory = mkdtempSync(join(tmpdir(), 'optuna-fixture-'));
  cpSync(fixtureDirectory, directory, { recursive: true });
  makeWritable(directory);
  return {
    directory,
    databasePath: join(directory, 'optuna.db'),
    artifactsPath: join(directory, 'artifacts'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** A temp folder for a database the test creates. */
export function temporaryDirectory(): { directory: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'optuna-db-'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

export const sha256OfFile = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
