// An artifact uploaded by Python Optuna from another process, as upstream's upload_artifact
// does it: the bytes written by Optuna's FileSystemArtifactStore, then the metadata attribute
// written through Optuna's RDBStorage.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemPython } from './python-optuna.js';
import { writeWithOptunaFileSystemStore } from './python-optuna-store.js';

const metadataScript = fileURLToPath(new URL('./python/optuna_write_artifact_meta.py', import.meta.url));

/** Uploads `content` as a text artifact of the trial; resolves with its artifact id. */
export async function uploadTrialArtifactWithPythonOptuna(options: {
  databasePath: string;
  artifactsPath: string;
  trialId: number;
  filename: string;
  content: string;
  /** A folder for the source file. */
  scratchDirectory: string;
}): Promise<string> {
  const artifactId = randomUUID();
  const source = join(options.scratchDirectory, `${artifactId}.source`);
  await writeFile(source, options.content);
  await writeWithOptunaFileSystemStore(options.artifactsPath, artifactId, source);
  await promisify(execFile)(systemPython, [
    metadataScript,
    options.databasePath,
    'trial',
    String(options.trialId),
    options.filename,
    artifactId,
  ]);
  return artifactId;
}
