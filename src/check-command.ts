// The `check` subcommand (like git fsck): wiring and output. Opens the services as `serve`
// does, runs the consistency check, prints the report (text or --json) on stdout, applies the
// fixes asked for, and turns what remains into the exit code.
import { statSync } from 'node:fs';
import {
  configuredDatabaseLocation,
  openConfiguredDatabase,
  openConfiguredStore,
  StartupError,
} from './app-services.js';
import {
  checkConsistency,
  fixConsistency,
  removesMostMetadata,
  type ConsistencyFixResult,
  type ConsistencyReport,
  type MissingBytesArtifact,
  type StaleStagedUpload,
} from './artifacts/consistency-check.js';
import { createProgressReporter, type ProgressStream } from './check-progress.js';
import { describeError } from './error-text.js';
import type { Command } from './config/parse-command-line.js';
import { fileStoreFolder } from './stores/store-from-url.js';

export type CheckCommand = Extract<Command, { kind: 'check' }>;

export interface CheckOutput {
  /** The report. */
  stdout: { write(text: string): unknown };
  /** Progress only: a bar when it is a terminal. */
  stderr: ProgressStream;
}

/**
 * Runs the check and resolves with the exit code: 0 when the store is consistent or
 * everything found was fixed, 1 when problems remain or a removal failed.
 * @throws StartupError when the database or the store cannot be opened, or when
 *   --fix-metadata refuses to remove most of the metadata (exit code 2; nothing changed).
 */
export async function runCheckCommand(command: CheckCommand, output: CheckOutput): Promise<number> {
  const { config } = command;
  await assertDatabaseExists(config);
  assertStoreFolderExists(config.artifactStoreUrl);
  // Only --fix-metadata writes to the database; a report must not be able to.
  const database = await openConfiguredDatabase(config, { readonly: !command.fixMissingBytes });
  const progress = createProgressReporter(output.stderr);
  try {
    const services = { database, store: await openConfiguredStore(config, { serving: false }) };
    const report = await checkConsistency(services, {
      onProgress: progress.update,
      stagedUploadLifetimeMs: config.stagedUploads.ticketTtlSeconds * 1000,
    });
    if (command.fixMissingBytes && !command.force && removesMostMetadata(report)) {
      throw new StartupError(
        `--fix-metadata would remove the metadata of ${report.missingBytes.length} of ${report.metadataRows} artifacts ` +
          `(more than half), so nothing was changed: is ${services.store.describe()} the right artifact store? ` +
          'Add --force to remove them anyway.',
      );
    }
    const fix =
      command.fixOrphans || command.fixMissingBytes
        ? await fixConsistency(services, report, {
            removeOrphans: command.fixOrphans,
            removeMissingBytesMetadata: command.fixMissingBytes,
            removeStaleStagedUploads: command.fixOrphans,
            onProgress: progress.update,
          })
        : null;
    progress.finish();
    const remaining = remainingProblems(report, fix);
    const consistent =
      remaining.missingBytes.length === 0 &&
      remaining.orphanedObjects.length === 0 &&
      remaining.staleStagedUploads.length === 0 &&
      fix?.failure == null;
    output.stdout.write(
      command.json ? jsonReport(report, fix, remaining, consistent) : textReport(report, fix, remaining, command),
    );
    return consistent ? 0 : 1;
  } finally {
    progress.finish();
    await database.close();
  }
}

/**
 * Opening a missing (or empty) SQLite file creates a fresh Optuna database, which is right for
 * `serve` and wrong here: a mistyped path would "find" every stored object orphaned, and
 * `--fix` would delete them all.
 */
async function assertDatabaseExists(config: CheckCommand['config']): Promise<void> {
  const location = configuredDatabaseLocation(config);
  if (location.dialect !== 'sqlite') {
    // A read-only open refuses a server database without Optuna's schema and creates nothing;
    // the read-write open --fix-metadata needs would create the schema instead.
    await (await openConfiguredDatabase(config, { readonly: true })).close();
    return;
  }
  const size = statSync(location.path, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) {
    throw new StartupError(
      `storage URL "${config.storageUrl}": no Optuna database at ${location.path} (check reads an existing one and never creates it)`,
    );
  }
}

/**
 * `serve` creates a missing store folder; `check` never does, and says so in one plain line: a
 * mistyped path names no store, whose every artifact would otherwise look like missing bytes.
 */
function assertStoreFolderExists(artifactStoreUrl: string): void {
  let folder: string | null;
  try {
    folder = fileStoreFolder(artifactStoreUrl);
  } catch (error) {
    throw new StartupError(`artifact store ${artifactStoreUrl}: ${describeError(error)}`, { cause: error });
  }
  if (folder !== null && !statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new StartupError(
      `artifact store ${artifactStoreUrl}: no folder at ${folder} (check reads an existing store and never creates it)`,
    );
  }
}

interface RemainingProblems {
  missingBytes: MissingBytesArtifact[];
  orphanedObjects: string[];
  staleStagedUploads: StaleStagedUpload[];
}

function remainingProblems(report: ConsistencyReport, fix: ConsistencyFixResult | null): RemainingProblems {
  const settled = new Set([
    ...(fix?.removedOrphanedObjects ?? []),
    ...(fix?.removedMetadata ?? []),
    ...(fix?.removedStagedUploads ?? []),
    ...(fix?.resolvedSinceCheck ?? []),
  ]);
  return {
    missingBytes: report.missingBytes.filter((entry) => !settled.has(entry.artifactId)),
    orphanedObjects: report.orphanedObjects.filter((artifactId) => !settled.has(artifactId)),
    staleStagedUploads: report.staleStagedUploads.filter((upload) => !settled.has(upload.artifactId)),
  };
}

function jsonReport(
  report: ConsistencyReport,
  fix: ConsistencyFixResult | null,
  remaining: RemainingProblems,
  consistent: boolean,
): string {
  return `${JSON.stringify({ consistent, ...report, fix, remaining }, null, 2)}\n`;
}

function textReport(
  report: ConsistencyReport,
  fix: ConsistencyFixResult | null,
  remaining: RemainingProblems,
  command: CheckCommand,
): string {
  const lines: string[] = [];
  for (const entry of report.missingBytes) {
    lines.push(
      `missing bytes  ${entry.artifactId}  study ${entry.studyId} trial ${entry.trialId ?? '-'} ${printableFilename(entry.filename)}`,
    );
  }
  for (const artifactId of report.orphanedObjects) lines.push(`orphaned object  ${artifactId}`);
  for (const upload of report.staleStagedUploads) {
    lines.push(`unfinished staged upload  ${upload.artifactId}  started ${upload.startedAt}`);
  }
  lines.push(
    `checked ${report.metadataRows} metadata rows and ${report.storedObjects} stored objects: ` +
      `${report.missingBytes.length} missing bytes, ${report.orphanedObjects.length} orphaned objects`,
  );
  // Said only when there are any: the summary above is what scripts have always read.
  if (report.recentUnnamedObjects > 0) {
    lines.push(
      `${report.recentUnnamedObjects} objects not yet named by metadata, younger than the upload ticket lifetime: left alone`,
    );
  }
  if (report.staleStagedUploads.length > 0) {
    lines.push(`${report.staleStagedUploads.length} unfinished staged uploads older than the ticket lifetime`);
  }
  if (fix) {
    if (command.fixOrphans) lines.push(`removed ${fix.removedOrphanedObjects.length} orphaned objects`);
    if (command.fixOrphans && fix.removedStagedUploads.length > 0)
      lines.push(`aborted ${fix.removedStagedUploads.length} unfinished staged uploads`);
    if (command.fixMissingBytes)
      lines.push(`removed the metadata of ${fix.removedMetadata.length} artifacts without bytes`);
    for (const artifactId of fix.resolvedSinceCheck)
      lines.push(`left alone  ${artifactId}  (consistent again since the check)`);
    if (fix.failure) lines.push(`stopped: could not fix ${fix.failure.artifactId}: ${fix.failure.message}`);
  }
  if (remaining.orphanedObjects.length > 0 && !command.fixOrphans) lines.push('--fix removes the orphaned objects');
  if (remaining.staleStagedUploads.length > 0 && !command.fixOrphans)
    lines.push('--fix aborts the unfinished staged uploads');
  if (remaining.missingBytes.length > 0 && !command.fixMissingBytes)
    lines.push('--fix-metadata removes the metadata rows whose bytes are missing');
  return `${lines.join('\n')}\n`;
}

/** Filenames come from the database: keep one problem on one line whatever they hold. */
function printableFilename(filename: string): string {
  return /[\u0000-\u001f\u007f]/.test(filename) ? JSON.stringify(filename) : filename;
}
