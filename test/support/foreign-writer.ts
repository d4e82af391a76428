// "Another process" writing artifact metadata into the server's database: a second SQLite
// connection that inserts, deletes and tombstones rows exactly as Python Optuna's
// upload_artifact (and optuna-dashboard) do — plain SQL, no server code in the write path.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { encodeArtifactMetaValueJson } from '../../src/artifacts/artifact-meta.js';

export interface ForeignArtifact {
  artifactId: string;
  filename: string;
}

export interface ForeignWriter {
  /** Optuna's upload_artifact on a trial: a trial system attribute `artifacts:<id>`. */
  addTrialArtifact(trialId: number, filename?: string): ForeignArtifact;
  /** Optuna's upload_artifact on a study: a study system attribute `artifacts:<id>`. */
  addStudyArtifact(studyId: number, filename?: string): ForeignArtifact;
  /** An old optuna-dashboard upload: study attribute `dashboard:artifacts:<trial_id>:<id>`. */
  addLegacyDashboardArtifact(studyId: number, trialId: number, filename?: string): ForeignArtifact;
  /** Any attribute row, as written (for malformed values). */
  addTrialAttribute(trialId: number, key: string, valueJson: string): void;
  /** Deletes every metadata row of the artifact. */
  deleteArtifact(artifactId: string): void;
  /** optuna-dashboard's delete: `json.dumps(None)` written over the key. */
  tombstoneTrialArtifact(trialId: number, artifactId: string): void;
  close(): void;
}

export function openForeignWriter(databasePath: string): ForeignWriter {
  const connection = new Database(databasePath, { timeout: 5000 });
  const valueJson = (artifactId: string, filename: string) =>
    encodeArtifactMetaValueJson({ artifactId, filename, mimetype: 'text/plain', encoding: null });
  const insertTrialAttribute = connection.prepare(
    'INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)',
  );
  const insertStudyAttribute = connection.prepare(
    'INSERT INTO study_system_attributes (study_id, "key", value_json) VALUES (?, ?, ?)',
  );
  const newArtifact = (filename: string | undefined): ForeignArtifact => {
    const artifactId = randomUUID();
    return { artifactId, filename: filename ?? `${artifactId.slice(0, 8)}.txt` };
  };

  return {
    addTrialArtifact(trialId, filename) {
      const artifact = newArtifact(filename);
      insertTrialAttribute.run(
        trialId,
        `artifacts:${artifact.artifactId}`,
        valueJson(artifact.artifactId, artifact.filename),
      );
      return artifact;
    },
    addStudyArtifact(studyId, filename) {
      const artifact = newArtifact(filename);
      insertStudyAttribute.run(
        studyId,
        `artifacts:${artifact.artifactId}`,
        valueJson(artifact.artifactId, artifact.filename),
      );
      return artifact;
    },
    addLegacyDashboardArtifact(studyId, trialId, filename) {
      const artifact = newArtifact(filename);
      insertStudyAttribute.run(
        studyId,
        `dashboard:artifacts:${trialId}:${artifact.artifactId}`,
        valueJson(artifact.artifactId, artifact.filename),
      );
      return artifact;
    },
    addTrialAttribute(trialId, key, value) {
      insertTrialAttribute.run(trialId, key, value);
    },
    deleteArtifact(artifactId) {
      connection.transaction(() => {
        connection.prepare('DELETE FROM trial_system_attributes WHERE "key" = ?').run(`artifacts:${artifactId}`);
        connection
          .prepare('DELETE FROM study_system_attributes WHERE "key" = ? OR "key" LIKE ?')
          .run(`artifacts:${artifactId}`, `dashboard:artifacts:%:${artifactId}`);
      })();
    },
    tombstoneTrialArtifact(trialId, artifactId) {
      connection
        .prepare('UPDATE trial_system_attributes SET value_json = ? WHERE trial_id = ? AND "key" = ?')
        .run('"null"', trialId, `artifacts:${artifactId}`);
    },
    close: () => connection.close(),
  };
}
