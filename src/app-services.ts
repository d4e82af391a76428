// What the server is built from: opened once from the config, handed to the HTTP and GraphQL
// layers, closed on shutdown.
import { resolve } from 'node:path';
import type { ServerConfig } from './config/config.js';
import { sqlitePathFromStorageUrl } from './config/storage-url.js';
import { openOptunaDatabase, type OptunaDatabase } from './db/optuna-database.js';
import type { ArtifactStore } from './stores/artifact-store.js';
import { storeFromUrl } from './stores/store-from-url.js';
import { ArtifactEventLog } from './events/artifact-event-log.js';
import type { ArtifactRecord } from './artifacts/artifact-records.js';

export interface AppServices {
  config: ServerConfig;
  database: OptunaDatabase;
  /** The configured store, already wrapped in Backoff. */
  store: ArtifactStore;
  /** The live feed: uploads and deletes publish here; subscriptions read from it. */
  events: ArtifactEventLog<ArtifactRecord>;
}

/** A problem with the configuration or the environment it names: the CLI exits with code 2. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Opens the database and the store the config names, and proves both answer. */
export async function openAppServices(config: ServerConfig, cwd: string = process.cwd()): Promise<AppServices> {
  let database: OptunaDatabase;
  let store: ArtifactStore;
  try {
    database = openOptunaDatabase(resolve(cwd, sqlitePathFromStorageUrl(config.storageUrl)));
  } catch (error) {
    const message = (error as Error).message;
    // Messages of our own already name the URL; SQLite's own ("unable to open …") do not.
    throw new StartupError(message.startsWith('storage URL') ? message : `storage URL "${config.storageUrl}": ${message}`, { cause: error });
  }
  try {
    store = await storeFromUrl(config.artifactStoreUrl, { s3: config.s3, gcs: config.gcs, backoff: config.backoff, cwd });
    await store.checkReachable();
    await store.removeLeftoverTemporaryFiles();
  } catch (error) {
    database.close();
    throw new StartupError(`artifact store ${config.artifactStoreUrl}: ${(error as Error).message}`, { cause: error });
  }
  return { config, database, store, events: new ArtifactEventLog<ArtifactRecord>() };
}
