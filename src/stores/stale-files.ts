// Start-up clean-up shared by the adapters: deletes temporary files a crashed process left.
import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOwnerGone } from './file-owner.js';

/**
 * How old a temporary or spool file must be before start-up clean-up deletes it.
 * A day is longer than any upload takes, and younger files may belong to another live
 * server process sharing the folder.
 */
export const defaultLeftoverAgeMs = 24 * 60 * 60 * 1000;

/** Where the S3 and GCS stores let the upload pipeline spool files: any local disk will do. */
export const defaultRemoteStoreSpoolDirectory = join(tmpdir(), 'optuna-artifacts-spool');

/**
 * Removes the spool folder's stale files. A missing folder is left missing: the upload
 * pipeline creates it when it first spools a file, so a server that never receives an upload
 * (or `check`) leaves no folder behind.
 */
export async function cleanSpoolDirectory(directory: string, olderThanMs: number): Promise<void> {
  await removeStaleFiles(directory, { olderThanMs });
}

export interface StaleFileQuery {
  /** Only files whose last modification is older than this are removed. */
  olderThanMs: number;
  /** Which names are temporary files; everything else is left alone. @default every file */
  isTemporaryName?: (name: string) => boolean;
  now?: number;
}

/**
 * Removes stale regular files directly inside `directory` — older than the query's age, or
 * written by a process that is gone (see isOwnerGone) — and returns how many.
 */
export async function removeStaleFiles(directory: string, query: StaleFileQuery): Promise<number> {
  const now = query.now ?? Date.now();
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !(query.isTemporaryName?.(entry.name) ?? true)) continue;
    const path = join(directory, entry.name);
    try {
      const { mtimeMs } = await lstat(path);
      if (now - mtimeMs <= query.olderThanMs && !isOwnerGone(entry.name)) continue;
      await rm(path, { force: true });
      removed++;
    } catch (error) {
      // Another process finished (and removed) the file between readdir and here.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}
