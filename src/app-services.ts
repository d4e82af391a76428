// What the server is built from: opened once from the config, handed to the HTTP and GraphQL
// layers, closed on shutdown.
import { resolve } from 'node:path';
import type { ServerConfig } from './config/config.js';
import { parseStorageUrl, type DatabaseLocation } from './config/storage-url.js';
import type { OptunaDatabase } from './db/optuna-database.js';
import { UnusableDatabaseError } from './db/database-errors.js';
import { openDatabase } from './db/open-database.js';
import { describeError } from './error-text.js';
import { redactUrlPasswords } from './redact-secrets.js';
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

/** Opens the database and the store the config names for a server, and proves both answer. */
export async function openAppServices(config: ServerConfig, cwd: string = process.cwd()): Promise<AppServices> {
  const database = await openConfiguredDatabase(config, { cwd });
  let store: ArtifactStore;
  try {
    store = await openConfiguredStore(config, { cwd, serving: true });
  } catch (error) {
    await database.close();
    throw error;
  }
  return { config, database, store, events: new ArtifactEventLog<ArtifactRecord>() };
}

export interface OpenConfiguredDatabaseOptions {
  /** @default process.cwd() */
  cwd?: string;
  /** See OpenOptunaDatabaseOptions.readonly. @default false */
  readonly?: boolean;
}

/** Where `config.storageUrl` points, SQLite paths resolved against `cwd`. @throws StartupError naming the URL. */
export function configuredDatabaseLocation(config: ServerConfig, cwd: string = process.cwd()): DatabaseLocation {
  let location: DatabaseLocation;
  try {
    location = parseStorageUrl(config.storageUrl);
  } catch (error) {
    // The URL's own problem: the message names the URL already (password hidden).
    throw new StartupError(describeError(error), { cause: error });
  }
  return location.dialect === 'sqlite' ? { ...location, path: resolve(cwd, location.path) } : location;
}

/** The database of `config.storageUrl`. @throws StartupError with one line naming the URL (password hidden). */
export async function openConfiguredDatabase(
  config: ServerConfig,
  options: OpenConfiguredDatabaseOptions = {},
): Promise<OptunaDatabase> {
  const location = configuredDatabaseLocation(config, options.cwd);
  try {
    return await openDatabase(location, {
      readonly: options.readonly ?? false,
      busyTimeoutMs: config.databaseBusyTimeoutSeconds * 1000,
      poolSize: config.databasePoolSize,
      datetimeZone: config.datetimeZone,
    });
  } catch (error) {
    if (!(error instanceof UnusableDatabaseError)) throw error;
    throw new StartupError(`storage URL "${redactUrlPasswords(config.storageUrl)}": ${error.message}`, {
      cause: error,
    });
  }
}

export interface OpenConfiguredStoreOptions {
  /** @default process.cwd() */
  cwd?: string;
  /**
   * For a server: also create the store's missing folder and remove what crashed processes
   * left. Without it nothing in the store is created or changed (`check` reports first).
   */
  serving: boolean;
}

/** The store of `config.artifactStoreUrl`, proven reachable. @throws StartupError with one line naming the URL. */
export async function openConfiguredStore(
  config: ServerConfig,
  options: OpenConfiguredStoreOptions,
): Promise<ArtifactStore> {
  try {
    const store = await storeFromUrl(config.artifactStoreUrl, {
      s3: config.s3,
      gcs: config.gcs,
      backoff: config.backoff,
      cwd: options.cwd ?? process.cwd(),
    });
    if (options.serving) await store.createMissingFolder?.();
    await store.checkReachable();
    if (options.serving) await store.removeLeftoverTemporaryFiles();
    return store;
  } catch (error) {
    // Every failure to open the configured store (a bad URL, no such bucket, no access) is the configuration's.
    throw new StartupError(`artifact store ${config.artifactStoreUrl}: ${describeError(error)}`, { cause: error });
  }
}
