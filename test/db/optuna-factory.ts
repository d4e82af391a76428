// Test data the way Optuna writes it: studies, trials with params/values, artifacts, on a
// real SQLite file. Factories keep tests about behaviour, not about rows.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { encodeArtifactMetaValueJson, type NewArtifactMeta } from '../../src/artifacts/artifact-meta.js';
import type { ArtifactAttributeRow } from '../../src/db/queries/artifact-attribute-queries.js';
import type { ArtifactOwner } from '../../src/db/artifact-attribute-writes.js';
import { openOptunaDatabase, type SqliteOptunaDatabase } from '../../src/db/sqlite-database.js';
import type { StudyRecord } from '../../src/db/queries/study-queries.js';
import type { TrialRecord } from '../../src/db/queries/trial-queries.js';
import type { StudyDirection, TrialState } from '../../src/optuna/enums.js';
import { temporaryDirectory } from '../support/fixture.js';
import type { Logger } from '../../src/logger.js';

export interface TemporaryDatabase {
  database: SqliteOptunaDatabase;
  path: string;
  /** Closes the database and removes its folder. */
  remove(): void;
}

/** A fresh database created by the server in a temp folder. */
export function createTemporaryDatabase(logger?: Logger): TemporaryDatabase {
  const folder = temporaryDirectory();
  const path = join(folder.directory, 'optuna.db');
  const database = openOptunaDatabase(path, logger ? { logger } : {});
  return {
    database,
    path,
    remove: () => {
      // SQLite closes the connection before close() returns; its promise is for pooled dialects.
      void database.close();
      folder.remove();
    },
  };
}

let studyCounter = 0;

export function buildStudy(
  database: SqliteOptunaDatabase,
  options: { name?: string; directions?: StudyDirection[] } = {},
): Promise<StudyRecord> {
  studyCounter += 1;
  return database.studyWrites.create(options.name ?? `study-${studyCounter}`, options.directions ?? ['MINIMIZE']);
}

export interface TrialOptions {
  /** Finish the trial this way (default: leave it RUNNING). */
  state?: Exclude<TrialState, 'RUNNING' | 'WAITING'>;
  values?: number[];
  /** Float parameters, stored as FloatDistribution(0, 10). */
  params?: Record<string, number>;
  intermediateValues?: number[];
  userAttrs?: Record<string, unknown>;
}

export async function buildTrial(
  database: SqliteOptunaDatabase,
  studyId: number,
  options: TrialOptions = {},
): Promise<TrialRecord> {
  const trial = await database.trialWrites.create(studyId);
  const distribution =
    '{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 10.0, "log": false}}';
  for (const [name, value] of Object.entries(options.params ?? {})) {
    database.orm.run(
      sql`INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (${trial.trialId}, ${name}, ${value}, ${distribution})`,
    );
  }
  (options.intermediateValues ?? []).forEach((value, step) => {
    database.orm.run(
      sql`INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (${trial.trialId}, ${step}, ${value}, 'FINITE')`,
    );
  });
  for (const [key, value] of Object.entries(options.userAttrs ?? {})) {
    database.orm.run(
      sql`INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (${trial.trialId}, ${key}, ${JSON.stringify(value)})`,
    );
  }
  if (!options.state) return trial;
  return database.trialWrites.finish(trial.trialId, { state: options.state, values: options.values ?? null });
}

export interface BuiltArtifact {
  artifactId: string;
  row: ArtifactAttributeRow;
}

/** An artifact metadata row as Optuna's upload_artifact writes it (no bytes). */
export async function buildArtifact(
  database: SqliteOptunaDatabase,
  owner: ArtifactOwner,
  meta: Partial<NewArtifactMeta> = {},
): Promise<BuiltArtifact> {
  const artifactId = meta.artifactId ?? randomUUID();
  const valueJson = encodeArtifactMetaValueJson({
    artifactId,
    filename: meta.filename ?? `${artifactId.slice(0, 8)}.txt`,
    mimetype: meta.mimetype ?? 'text/plain',
    encoding: meta.encoding ?? null,
    ...(meta.size === undefined ? {} : { size: meta.size }),
    ...(meta.sha256 === undefined ? {} : { sha256: meta.sha256 }),
    ...(meta.createdAt === undefined ? {} : { createdAt: meta.createdAt }),
  });
  const row = await database.artifactAttributeWrites.insert(owner, artifactId, valueJson, { allowFinishedTrial: true });
  return { artifactId, row };
}
