// `check` on the server dialects: the fixture loaded into PostgreSQL / MariaDB is checked as on
// SQLite (read-only: nothing is created or changed), problems are found, and the password
// appears nowhere in what the command prints.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withConnection } from '../support/database-connection.js';
import { databaseUser } from '../support/database-user.js';
import { fixtureDatabase, freshDatabase, serverDialects } from '../support/dialects.js';
import { loadManifest } from '../support/fixture.js';
import { runCli, type CliRun } from '../support/run-cli.js';

const manifest = loadManifest();
const studyArtifact = manifest.artifacts.find(
  (artifact) => artifact.owner.type === 'study' && artifact.kind === 'optuna',
)!;

const expectNoPassword = (run: CliRun) => {
  for (const output of [run.stdout, run.stderr]) {
    expect(output).not.toContain(databaseUser.password);
    expect(output).not.toContain(encodeURIComponent(databaseUser.password));
  }
};

describe.each(serverDialects)('check on %s', (dialect) => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('checks the fixture, finds bytes deleted on purpose, exits 1, never prints the password', async () => {
    const database = await fixtureDatabase(dialect);
    cleanups.push(database.remove);
    const storeArgs = [database.url, '--artifact-store', `file://${database.artifactsPath}`];

    const clean = await runCli(['check', ...storeArgs]);
    expect(clean).toEqual({
      exitCode: 0,
      stdout: `checked ${manifest.counts.artifacts} metadata rows and ${manifest.counts.artifacts} stored objects: 0 missing bytes, 0 orphaned objects\n`,
      stderr: '',
    });

    rmSync(join(database.artifactsPath, studyArtifact.artifact_id));
    const broken = await runCli(['check', ...storeArgs, '--json']);
    expect(broken.exitCode).toBe(1);
    const report = JSON.parse(broken.stdout) as { metadataRows: number; missingBytes: { artifactId: string }[] };
    expect(report.metadataRows).toBe(manifest.counts.artifacts);
    expect(report.missingBytes.map((entry) => entry.artifactId)).toEqual([studyArtifact.artifact_id]);
    expectNoPassword(clean);
    expectNoPassword(broken);
  });

  it.each([{ fixes: [] as string[] }, { fixes: ['--fix', '--fix-metadata'] }])(
    'refuses an empty database without creating anything, and without the password (check $fixes)',
    async ({ fixes }) => {
      const { url, remove } = await freshDatabase(dialect, 'check_empty');
      cleanups.push(remove);
      const run = await runCli(['check', url, '--artifact-store', 'file:///tmp', ...fixes]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('not an Optuna database');
      expectNoPassword(run);
      const tables = await withConnection(url, (connection) =>
        connection.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = ${dialect === 'postgresql' ? 'current_schema()' : 'database()'}`,
        ),
      );
      expect(tables).toEqual([]);
    },
  );
});
