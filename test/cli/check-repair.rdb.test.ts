// `check --fix --fix-metadata` (the real CLI) on the fixture loaded into PostgreSQL and MariaDB:
// the problems made on purpose are found and repaired (objects removed from the store, rows
// deleted in the database), and the database password is never printed. (check.rdb.test.ts has
// the read-only checks.)
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { withConnection } from '../support/database-connection.js';
import { databaseUser } from '../support/database-user.js';
import { fixtureDatabase, serverDialects, type FixtureDatabase } from '../support/dialects.js';
import { loadManifest } from '../support/fixture.js';
import { runCli, type CliRun } from '../support/run-cli.js';

const manifest = loadManifest();
const studyArtifact = manifest.artifacts.find(
  (artifact) => artifact.owner.type === 'study' && artifact.kind === 'optuna',
)!;

/** The password, as written and %-escaped in the URL: neither may appear anywhere. */
const expectNoPassword = (run: CliRun): void => {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toContain(databaseUser.password);
    expect(text).not.toContain(encodeURIComponent(databaseUser.password));
  }
};

const studySystemKeys = (url: string): Promise<string[]> =>
  withConnection(url, async (connection) => {
    const rows = await connection.query<{ key: string }>(
      `SELECT ${connection.quoteIdentifier('key')} AS ${connection.quoteIdentifier('key')} FROM study_system_attributes`,
    );
    return rows.map((row) => row.key).sort();
  });

describe.each(serverDialects)('check repairs on %s', (dialect) => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function brokenFixture(): Promise<{ database: FixtureDatabase; orphanId: string; args: string[] }> {
    const database = await fixtureDatabase(dialect);
    cleanups.push(database.remove);
    rmSync(join(database.artifactsPath, studyArtifact.artifact_id));
    const orphanId = randomUUID();
    const orphanPath = join(database.artifactsPath, orphanId);
    writeFileSync(orphanPath, 'bytes nobody points at');
    // Older than a ticket lives (3600 s): no staged upload can still claim it.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(orphanPath, twoHoursAgo, twoHoursAgo);
    return {
      database,
      orphanId,
      args: ['check', database.url, '--artifact-store', `file://${database.artifactsPath}`],
    };
  }

  test('reports exactly the missing bytes and the orphan made on purpose, then repairs both', async () => {
    const { database, orphanId, args } = await brokenFixture();
    const keysBefore = await studySystemKeys(database.url);

    const report = await runCli([...args, '--json']);
    expect(report.exitCode).toBe(1);
    const parsed = JSON.parse(report.stdout) as {
      metadataRows: number;
      missingBytes: { artifactId: string }[];
      orphanedObjects: string[];
    };
    expect(parsed.metadataRows).toBe(manifest.counts.artifacts);
    expect(parsed.missingBytes.map((entry) => entry.artifactId)).toEqual([studyArtifact.artifact_id]);
    expect(parsed.orphanedObjects).toContain(orphanId);
    expect(await studySystemKeys(database.url)).toEqual(keysBefore); // reporting writes nothing
    expectNoPassword(report);

    const repair = await runCli([...args, '--fix', '--fix-metadata']);
    expect(repair.exitCode).toBe(0);
    expectNoPassword(repair);
    expect(existsSync(join(database.artifactsPath, orphanId))).toBe(false);
    expect(await studySystemKeys(database.url)).toEqual(keysBefore.filter((key) => key !== studyArtifact.attr_key));
    expect((await runCli(args)).exitCode).toBe(0);
  });
});
