// What an upload or delete left behind on a server's FileSystem store and database, so tests
// can assert "nothing written": metadata rows, stored objects, spool and temporary files.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface Leftovers {
  /** `artifacts:*` / `dashboard:artifacts:*` attribute keys in the database. */
  metadataKeys: string[];
  /** Files in the store folder named like artifact ids. */
  storedObjects: string[];
  /** Anything else in the store folder or its spool folder (temporary and spool files). */
  temporaryFiles: string[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function leftovers(databasePath: string, storeFolder: string): Leftovers {
  const database = new Database(databasePath, { readonly: true });
  try {
    const metadataKeys = database
      .prepare(
        `SELECT key FROM study_system_attributes WHERE key LIKE 'artifacts:%' OR key LIKE 'dashboard:artifacts:%'
         UNION ALL SELECT key FROM trial_system_attributes WHERE key LIKE 'artifacts:%'`,
      )
      .pluck()
      .all() as string[];
    const entries = existsSync(storeFolder) ? readdirSync(storeFolder) : [];
    const spoolFolder = join(storeFolder, '.spool');
    const spoolEntries = existsSync(spoolFolder) ? readdirSync(spoolFolder).map((name) => `.spool/${name}`) : [];
    return {
      metadataKeys: metadataKeys.sort(),
      storedObjects: entries.filter((name) => uuidPattern.test(name)).sort(),
      temporaryFiles: [
        ...entries.filter((name) => !uuidPattern.test(name) && name !== '.spool'),
        ...spoolEntries,
      ].sort(),
    };
  } finally {
    database.close();
  }
}
