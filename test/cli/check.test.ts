// `optuna-artifacts-graphql check` (like git fsck), run as the real CLI against a copy of the
// Python-written fixture and against S3 (s3rver), with problems made on purpose: files
// deleted under live metadata rows (missing bytes) and objects no row names (orphans).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  copyFixture,
  loadManifest,
  sha256OfFile,
  type FixtureCopy,
  type ManifestArtifact,
} from '../support/fixture.js';
import { runCli } from '../support/run-cli.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';

const manifest = loadManifest();
const studyArtifact = manifest.artifacts.find(
  (artifact) => artifact.owner.type === 'study' && artifact.kind === 'optuna',
)!;
const legacyTrialArtifact = manifest.artifacts.find((artifact) => artifact.kind === 'dashboard-legacy')!;
const tombstonedId = manifest.tombstones[0]!.artifact_id;

interface CheckJson {
  consistent: boolean;
  metadataRows: number;
  storedObjects: number;
  tombstones: number;
  missingBytes: { artifactId: string; studyId: number; trialId: number | null; filename: string; legacy: boolean }[];
  orphanedObjects: string[];
  recentUnnamedObjects: number;
  fix: {
    removedOrphanedObjects: string[];
    removedMetadata: string[];
    resolvedSinceCheck: string[];
    failure: unknown;
  } | null;
}

const parseReport = (stdout: string): CheckJson => JSON.parse(stdout) as CheckJson;

/**
 * Bytes no row names, written two hours ago: older than a ticket lives (3600 s by default), so
 * no staged upload can still complete them and they are orphans.
 */
function writeOldFile(path: string, content: string): void {
  writeFileSync(path, content);
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
  utimesSync(path, twoHoursAgo, twoHoursAgo);
}

/** What `check` should say about an artifact whose bytes were deleted. */
function missingBytesEntry(artifact: ManifestArtifact): CheckJson['missingBytes'][number] {
  return {
    artifactId: artifact.artifact_id,
    studyId: artifact.owner.study_id,
    trialId: artifact.owner.trial_id ?? null,
    filename: artifact.filename,
    legacy: artifact.kind === 'dashboard-legacy',
  };
}

interface AttributeRow {
  table: string;
  key: string;
  value_json: string;
}

/** Every system attribute row of the database, in a stable order: "metadata untouched" compares these. */
function systemAttributeRows(databasePath: string): AttributeRow[] {
  const connection = new Database(databasePath, { readonly: true });
  try {
    return connection
      .prepare(
        `SELECT 'study_system_attributes' AS "table", "key", value_json FROM study_system_attributes
         UNION ALL SELECT 'trial_system_attributes', "key", value_json FROM trial_system_attributes
         ORDER BY 1, 2, 3`,
      )
      .all() as AttributeRow[];
  } finally {
    connection.close();
  }
}

/** Every file and folder under `root` with what a write would change: size, mtime and content hash of files. */
function treeSnapshot(root: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const relativePath = relative(root, path);
      if (entry.isDirectory()) {
        snapshot[relativePath] = 'folder';
        visit(path);
      } else {
        const { size, mtimeMs } = statSync(path);
        snapshot[relativePath] = `${size} ${mtimeMs} ${sha256OfFile(path)}`;
      }
    }
  };
  visit(root);
  return snapshot;
}

// The filesystem store keeps its spool folder (.spool) inside the base folder; it is no artifact.
const visibleFiles = (folder: string): string[] =>
  readdirSync(folder)
    .filter((name) => !name.startsWith('.'))
    .sort();

const isRowOf = (artifact: ManifestArtifact) => (row: AttributeRow) =>
  row.table === artifact.attr_table && row.key === artifact.attr_key;

describe('check on a filesystem store', () => {
  let fixture: FixtureCopy;
  let storeArgs: string[];

  beforeEach(() => {
    fixture = copyFixture();
    storeArgs = ['check', `sqlite:///${fixture.databasePath}`, '--artifact-store', `file://${fixture.artifactsPath}`];
  });
  afterEach(() => fixture.remove());

  /** Deletes the bytes of two live artifacts and adds two objects no row names. */
  function breakOnPurpose(): { freshOrphanId: string } {
    rmSync(join(fixture.artifactsPath, studyArtifact.artifact_id));
    rmSync(join(fixture.artifactsPath, legacyTrialArtifact.artifact_id));
    const freshOrphanId = randomUUID();
    writeOldFile(join(fixture.artifactsPath, freshOrphanId), 'bytes nobody points at');
    // optuna-dashboard deletes by tombstoning the row; bytes left under that id are orphans.
    writeOldFile(join(fixture.artifactsPath, tombstonedId), 'bytes of a deleted artifact');
    return { freshOrphanId };
  }

  it('finds nothing wrong in the untouched fixture, prints only the summary, and exits 0', async () => {
    const run = await runCli(storeArgs);

    expect(run).toEqual({
      exitCode: 0,
      stdout: `checked ${manifest.counts.artifacts} metadata rows and ${manifest.counts.artifacts} stored objects: 0 missing bytes, 0 orphaned objects\n`,
      // stderr is not a terminal here: no progress bar in logs.
      stderr: '',
    });
  });

  it('reports exactly the missing bytes and orphaned objects made on purpose, and exits 1', async () => {
    const { freshOrphanId } = breakOnPurpose();

    const run = await runCli([...storeArgs, '--json']);

    expect(run.exitCode).toBe(1);
    const report = parseReport(run.stdout);
    expect(report).toMatchObject({
      consistent: false,
      metadataRows: manifest.counts.artifacts,
      storedObjects: manifest.counts.artifacts,
      tombstones: 2,
      fix: null,
    });
    expect(report.missingBytes).toEqual(
      expect.arrayContaining([missingBytesEntry(studyArtifact), missingBytesEntry(legacyTrialArtifact)]),
    );
    expect(report.missingBytes).toHaveLength(2);
    expect(report.orphanedObjects).toEqual([freshOrphanId, tombstonedId].sort());
  });

  it('prints one line per problem and a summary line', async () => {
    const { freshOrphanId } = breakOnPurpose();

    const run = await runCli(storeArgs);

    expect(run.exitCode).toBe(1);
    const legacyTrialId = legacyTrialArtifact.owner.trial_id!;
    expect(run.stdout.split('\n')).toEqual([
      // study 1's own artifact first, then the legacy row of a trial of study 2
      `missing bytes  ${studyArtifact.artifact_id}  study ${studyArtifact.owner.study_id} trial - ${studyArtifact.filename}`,
      `missing bytes  ${legacyTrialArtifact.artifact_id}  study ${legacyTrialArtifact.owner.study_id} trial ${legacyTrialId} ${legacyTrialArtifact.filename}`,
      ...[freshOrphanId, tombstonedId].sort().map((id) => `orphaned object  ${id}`),
      `checked ${manifest.counts.artifacts} metadata rows and ${manifest.counts.artifacts} stored objects: 2 missing bytes, 2 orphaned objects`,
      '--fix removes the orphaned objects',
      '--fix-metadata removes the metadata rows whose bytes are missing',
      '',
    ]);
  });

  it('--fix removes exactly the orphaned objects and no metadata; --fix-metadata then removes the dangling rows', async () => {
    const { freshOrphanId } = breakOnPurpose();
    const rowsBefore = systemAttributeRows(fixture.databasePath);
    const filesBefore = visibleFiles(fixture.artifactsPath);

    const fixOrphans = await runCli([...storeArgs, '--fix', '--json']);

    expect(fixOrphans.exitCode).toBe(1); // the missing bytes remain
    expect(parseReport(fixOrphans.stdout).fix).toEqual({
      removedOrphanedObjects: [freshOrphanId, tombstonedId].sort(),
      removedMetadata: [],
      removedStagedUploads: [],
      resolvedSinceCheck: [],
      failure: null,
    });
    expect(visibleFiles(fixture.artifactsPath)).toEqual(
      filesBefore.filter((name) => name !== freshOrphanId && name !== tombstonedId),
    );
    expect(systemAttributeRows(fixture.databasePath)).toEqual(rowsBefore);
    expect(rowsBefore.some(isRowOf(legacyTrialArtifact))).toBe(true);

    const fixMetadata = await runCli([...storeArgs, '--fix-metadata']);

    expect(fixMetadata.exitCode).toBe(0);
    expect(fixMetadata.stdout).toContain('removed the metadata of 2 artifacts without bytes\n');
    expect(systemAttributeRows(fixture.databasePath)).toEqual(
      rowsBefore.filter((row) => !isRowOf(studyArtifact)(row) && !isRowOf(legacyTrialArtifact)(row)),
    );
    expect((await runCli(storeArgs)).exitCode).toBe(0);
  });

  it('ignores files in the store folder that are not artifact ids, and --fix leaves them', async () => {
    writeFileSync(join(fixture.artifactsPath, 'notes.txt'), 'a note beside the artifacts');
    writeFileSync(join(fixture.artifactsPath, randomUUID().toUpperCase()), 'not a name Optuna writes');

    const run = await runCli([...storeArgs, '--fix', '--json']);

    expect(run.exitCode).toBe(0);
    expect(parseReport(run.stdout)).toMatchObject({
      consistent: true,
      storedObjects: manifest.counts.artifacts,
      orphanedObjects: [],
      missingBytes: [],
    });
    expect(readFileSync(join(fixture.artifactsPath, 'notes.txt'), 'utf8')).toBe('a note beside the artifacts');
  });

  it('leaves bytes no row names yet alone while younger than the ticket lifetime, and says so', async () => {
    // What an upload in flight leaves: its bytes are in place, its row comes at completion.
    const inFlightId = randomUUID();
    writeFileSync(join(fixture.artifactsPath, inFlightId), 'bytes of an upload not yet completed');

    const report = await runCli(storeArgs);
    const fix = await runCli([...storeArgs, '--fix', '--json']);

    expect(report).toEqual({
      exitCode: 0,
      stdout:
        `checked ${manifest.counts.artifacts} metadata rows and ${manifest.counts.artifacts + 1} stored objects: 0 missing bytes, 0 orphaned objects\n` +
        '1 objects not yet named by metadata, younger than the upload ticket lifetime: left alone\n',
      stderr: '',
    });
    expect(fix.exitCode).toBe(0);
    expect(parseReport(fix.stdout)).toMatchObject({
      consistent: true,
      orphanedObjects: [],
      recentUnnamedObjects: 1,
      fix: { removedOrphanedObjects: [] },
    });
    expect(existsSync(join(fixture.artifactsPath, inFlightId))).toBe(true);

    // Past the lifetime (a short one here) nobody can complete it: an orphan, which --fix removes.
    const shortLived = [...storeArgs, '--upload-ticket-ttl', '0.001', '--fix', '--json'];
    const expired = await runCli(shortLived);
    expect(expired.exitCode).toBe(0);
    expect(parseReport(expired.stdout)).toMatchObject({
      orphanedObjects: [inFlightId],
      recentUnnamedObjects: 0,
      fix: { removedOrphanedObjects: [inFlightId] },
    });
    expect(existsSync(join(fixture.artifactsPath, inFlightId))).toBe(false);
  });

  it('writes nothing when only reporting: no folder, no file, no database change', async () => {
    const emptyFolder = join(fixture.directory, 'empty-artifacts');
    mkdirSync(emptyFolder);
    const before = treeSnapshot(fixture.directory);

    const onFixture = await runCli(storeArgs);
    const onEmptyFolder = await runCli([
      'check',
      `sqlite:///${fixture.databasePath}`,
      '--artifact-store',
      `file://${emptyFolder}`,
      '--json',
    ]);

    expect(onFixture.exitCode).toBe(0);
    expect(onEmptyFolder.exitCode).toBe(1);
    expect(parseReport(onEmptyFolder.stdout).missingBytes).toHaveLength(manifest.counts.artifacts);
    expect(treeSnapshot(fixture.directory)).toEqual(before);
  });

  it('--fix-metadata refuses to remove more than half of the metadata (exit 2, one line, nothing changed) unless --force', async () => {
    // The wrong folder: no bytes of any artifact, one object no row names.
    const wrongFolder = join(fixture.directory, 'wrong-artifacts');
    mkdirSync(wrongFolder);
    writeOldFile(join(wrongFolder, randomUUID()), 'bytes nobody points at');
    const wrongStoreArgs = ['check', `sqlite:///${fixture.databasePath}`, '--artifact-store', `file://${wrongFolder}`];
    const rowsBefore = systemAttributeRows(fixture.databasePath);
    const before = treeSnapshot(fixture.directory);

    for (const fixFlags of [['--fix-metadata'], ['--fix', '--fix-metadata', '--json']]) {
      const refused = await runCli([...wrongStoreArgs, ...fixFlags]);

      expect(refused.exitCode).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        `optuna-artifacts-graphql: --fix-metadata would remove the metadata of ${manifest.counts.artifacts} of ${manifest.counts.artifacts} artifacts ` +
          `(more than half), so nothing was changed: is ${pathToFileURL(wrongFolder).href} the right artifact store? Add --force to remove them anyway.\n`,
      );
      expect(systemAttributeRows(fixture.databasePath)).toEqual(rowsBefore);
      expect(treeSnapshot(fixture.directory)).toEqual(before);
    }

    const forced = await runCli([...wrongStoreArgs, '--fix-metadata', '--force', '--json']);

    expect(forced.exitCode).toBe(1); // the orphan remains: --fix was not given
    expect(parseReport(forced.stdout).fix?.removedMetadata).toHaveLength(
      new Set(manifest.artifacts.map((artifact) => artifact.artifact_id)).size,
    );
    expect(systemAttributeRows(fixture.databasePath)).toEqual(
      rowsBefore.filter((row) => !manifest.artifacts.some((artifact) => isRowOf(artifact)(row))),
    );
  });

  it('--fix-metadata removes the rows without being forced when they are at most half of all', async () => {
    const lost = manifest.artifacts.slice(0, Math.floor(manifest.counts.artifacts / 2));
    for (const artifact of lost) rmSync(join(fixture.artifactsPath, artifact.artifact_id));

    const run = await runCli([...storeArgs, '--fix-metadata', '--json']);

    expect(run.exitCode).toBe(0);
    expect(parseReport(run.stdout).fix?.removedMetadata.sort()).toEqual(
      lost.map((artifact) => artifact.artifact_id).sort(),
    );
  });

  it('exits 2 with one line, password hidden, for a database server it cannot use', async () => {
    const run = await runCli([
      'check',
      'mysql://optuna:secret@127.0.0.1:1/optuna',
      '--artifact-store',
      `file://${fixture.artifactsPath}`,
    ]);

    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^optuna-artifacts-graphql: storage URL "mysql:\/\/optuna:\*\*\*@127\.0\.0\.1:1\/optuna": /,
    );
    expect(run.stderr).not.toContain('secret');
  });

  it('exits 2 for a database file that does not exist, and does not create it', async () => {
    const missingPath = join(fixture.directory, 'mistyped.db');

    const run = await runCli([
      'check',
      `sqlite:///${missingPath}`,
      '--artifact-store',
      `file://${fixture.artifactsPath}`,
      '--fix',
    ]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      `optuna-artifacts-graphql: storage URL "sqlite:///${missingPath}": no Optuna database at ${missingPath} (check reads an existing one and never creates it)\n`,
    );
    expect(existsSync(missingPath)).toBe(false);
    expect(visibleFiles(fixture.artifactsPath)).toHaveLength(manifest.counts.artifacts);
  });

  it('exits 2 for an artifact folder that does not exist, and does not create it', async () => {
    const missingFolder = join(fixture.directory, 'mistyped-artifacts');

    const run = await runCli([
      'check',
      `sqlite:///${fixture.databasePath}`,
      '--artifact-store',
      `file://${missingFolder}`,
      '--fix-metadata',
    ]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^optuna-artifacts-graphql: artifact store .*: no folder at .*mistyped-artifacts/);
    expect(existsSync(missingFolder)).toBe(false);
  });
});

describe('check on an S3 store (s3rver)', () => {
  let s3: RunningS3rver;
  let client: S3Client;
  let fixture: FixtureCopy;
  let storeArgs: string[];
  const s3Env = {
    AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };

  const bucketKeys = async (): Promise<string[]> => {
    const listing = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    return (listing.Contents ?? []).map((object) => object.Key ?? '').sort();
  };

  beforeAll(async () => {
    s3 = await startS3rver();
    client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: s3rverCredentials,
    });
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });
  beforeEach(async () => {
    fixture = copyFixture();
    storeArgs = [
      'check',
      `sqlite:///${fixture.databasePath}`,
      '--artifact-store',
      `s3://${s3.bucket}`,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-force-path-style',
    ];
    for (const key of await bucketKeys()) await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    // Optuna's Boto3ArtifactStore layout: the object key is the artifact id, at the bucket root.
    for (const name of readdirSync(fixture.artifactsPath)) {
      await client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: name, Body: readFileSync(join(fixture.artifactsPath, name)) }),
      );
    }
  });
  afterEach(() => fixture.remove());

  it('reports one dangling row and one orphan, then --fix --fix-metadata repairs both', async () => {
    const freshOrphanId = randomUUID();
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: studyArtifact.artifact_id }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: freshOrphanId, Body: 'bytes nobody points at' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'notes.txt', Body: 'not an artifact' }));
    const keysBefore = await bucketKeys();
    const rowsBefore = systemAttributeRows(fixture.databasePath);

    // The orphan was PUT just now: a ticket lifetime this short makes it older than any upload.
    const shortLived = ['--upload-ticket-ttl', '0.001'];
    const check = await runCli([...storeArgs, ...shortLived, '--json'], s3Env);

    expect(check.exitCode).toBe(1);
    const report = parseReport(check.stdout);
    expect(report.missingBytes).toEqual([missingBytesEntry(studyArtifact)]);
    expect(report.orphanedObjects).toEqual([freshOrphanId]);

    const fix = await runCli([...storeArgs, ...shortLived, '--fix', '--fix-metadata', '--json'], s3Env);

    expect(fix.exitCode).toBe(0);
    expect(parseReport(fix.stdout).fix).toEqual({
      removedOrphanedObjects: [freshOrphanId],
      removedMetadata: [studyArtifact.artifact_id],
      removedStagedUploads: [],
      resolvedSinceCheck: [],
      failure: null,
    });
    expect(await bucketKeys()).toEqual(keysBefore.filter((key) => key !== freshOrphanId));
    expect(systemAttributeRows(fixture.databasePath)).toEqual(rowsBefore.filter((row) => !isRowOf(studyArtifact)(row)));
  });
});
