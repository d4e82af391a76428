// The consistency check's guards against uploads and deletes that happen while it runs: the
// CLI tests cover the report itself; these pin the races, on the real fixture database and
// filesystem store, with the timing forced by hooking the store's listing.
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../src/app-services.js';
import { encodeArtifactMetaValueJson } from '../../src/artifacts/artifact-meta.js';
import { checkConsistency, fixConsistency, removesMostMetadata } from '../../src/artifacts/consistency-check.js';
import { parseCommandLine } from '../../src/config/parse-command-line.js';
import type { ArtifactStore } from '../../src/stores/artifact-store.js';
import { copyFixture, loadManifest, type FixtureCopy } from '../support/fixture.js';

const manifest = loadManifest();
const studyId = manifest.studies[0]!.study_id;
const twoHoursAgo = (): Date => new Date(Date.now() - 2 * 3600 * 1000);

describe('checkConsistency and fixConsistency', () => {
  let fixture: FixtureCopy;
  let services: AppServices;

  beforeEach(async () => {
    fixture = copyFixture();
    const command = parseCommandLine(
      ['check', `sqlite:///${fixture.databasePath}`, '--artifact-store', `file://${fixture.artifactsPath}`],
      {},
    );
    if (command.kind !== 'check') throw new Error('expected a check command');
    services = await openAppServices(command.config);
  });
  afterEach(async () => {
    await services.database.close();
    fixture.remove();
  });

  /**
   * What this server's upload pipeline leaves after the store write: bytes, then (later) the row.
   * Dated older than a ticket lives, so only the rows decide what is an orphan; `fresh` bytes
   * were just written, as a staged upload's are before its completion.
   */
  const writeBytes = (artifactId: string, age: 'old' | 'fresh' = 'old'): void => {
    const path = join(fixture.artifactsPath, artifactId);
    writeFileSync(path, 'uploaded bytes');
    if (age === 'old') utimesSync(path, twoHoursAgo(), twoHoursAgo());
  };
  const writeRow = async (artifactId: string): Promise<void> => {
    const valueJson = encodeArtifactMetaValueJson({
      artifactId,
      filename: 'late.txt',
      mimetype: 'text/plain',
      encoding: null,
    });
    await services.database.artifactAttributeWrites.insert({ kind: 'study', studyId }, artifactId, valueJson, {
      allowFinishedTrial: false,
    });
  };

  /** The services, with `duringListing` run after the store has yielded its first id. */
  function servicesWithHookedListing(duringListing: () => Promise<void>): {
    database: AppServices['database'];
    store: ArtifactStore;
  } {
    const store = services.store;
    const hooked: ArtifactStore = Object.create(store) as ArtifactStore;
    hooked.list = async function* () {
      let first = true;
      for await (const artifactId of store.list()) {
        yield artifactId;
        if (first) await duringListing();
        first = false;
      }
    };
    return { database: services.database, store: hooked };
  }

  it('does not call bytes orphaned when their row was written while the store was being listed', async () => {
    const uploadedId = randomUUID();
    writeBytes(uploadedId);

    const report = await checkConsistency(servicesWithHookedListing(() => writeRow(uploadedId)));

    expect(report.orphanedObjects).toEqual([]);
    expect(report.missingBytes).toEqual([]);
  });

  it('does not report missing bytes for an artifact deleted while the store was being listed', async () => {
    const deleted = manifest.artifacts.find((artifact) => artifact.owner.type === 'study')!;
    const deleteArtifact = async (): Promise<void> => {
      await services.database.artifactAttributeWrites.delete(deleted.artifact_id);
      rmSync(join(fixture.artifactsPath, deleted.artifact_id));
    };

    const report = await checkConsistency(servicesWithHookedListing(deleteArtifact));

    expect(report.missingBytes).toEqual([]);
  });

  it('leaves an orphan alone when a row names it by the time of the fix (an upload finished)', async () => {
    const uploadedId = randomUUID();
    const trueOrphanId = randomUUID();
    writeBytes(uploadedId);
    writeBytes(trueOrphanId);
    const report = await checkConsistency(services);
    expect(report.orphanedObjects).toEqual([uploadedId, trueOrphanId].sort());

    await writeRow(uploadedId);
    const result = await fixConsistency(services, report, { removeOrphans: true, removeMissingBytesMetadata: false });

    expect(result).toEqual({
      removedOrphanedObjects: [trueOrphanId],
      removedMetadata: [],
      removedStagedUploads: [],
      resolvedSinceCheck: [uploadedId],
      failure: null,
    });
    expect(existsSync(join(fixture.artifactsPath, uploadedId))).toBe(true);
    expect(existsSync(join(fixture.artifactsPath, trueOrphanId))).toBe(false);
  });

  it('keeps the metadata of an artifact whose bytes arrived after the check', async () => {
    const artifact = manifest.artifacts.find((candidate) => candidate.owner.type === 'trial')!;
    const path = join(fixture.artifactsPath, artifact.artifact_id);
    rmSync(path);
    const report = await checkConsistency(services);
    expect(report.missingBytes.map((entry) => entry.artifactId)).toEqual([artifact.artifact_id]);

    // Optuna's upload_artifact writes the row first and the bytes after: this one just finished.
    writeBytes(artifact.artifact_id);
    const result = await fixConsistency(services, report, { removeOrphans: true, removeMissingBytesMetadata: true });

    expect(result).toEqual({
      removedOrphanedObjects: [],
      removedMetadata: [],
      removedStagedUploads: [],
      resolvedSinceCheck: [artifact.artifact_id],
      failure: null,
    });
    expect(await services.database.artifactAttributes.byArtifactIds([artifact.artifact_id])).toHaveLength(1);
  });

  it('says a metadata fix removes most rows only past half of all artifact rows (a wrong store, likely)', async () => {
    const half = Math.floor(manifest.counts.artifacts / 2);
    for (const artifact of manifest.artifacts.slice(0, half)) rmSync(join(fixture.artifactsPath, artifact.artifact_id));

    expect(removesMostMetadata(await checkConsistency(services))).toBe(false);

    rmSync(join(fixture.artifactsPath, manifest.artifacts[half]!.artifact_id));

    expect(removesMostMetadata(await checkConsistency(services))).toBe(true);
  });

  it('reports progress for each phase, the fix counting every removal it attempts', async () => {
    writeBytes(randomUUID());
    writeBytes(randomUUID());
    const phases: string[] = [];
    const report = await checkConsistency(services, {
      onProgress: ({ phase, done, total }) => phases.push(`${phase} ${done}/${total}`),
    });
    await fixConsistency(services, report, {
      removeOrphans: true,
      removeMissingBytesMetadata: true,
      onProgress: ({ phase, done, total }) => phases.push(`${phase} ${done}/${total}`),
    });

    const rows = manifest.counts.artifacts + manifest.counts.tombstones;
    const objects = manifest.counts.artifacts + 2;
    expect(phases).toEqual([
      `metadata ${rows}/${rows}`,
      ...Array.from({ length: objects }, (_, index) => `store ${index + 1}/${manifest.counts.artifacts}`),
      'age 1/2',
      'age 2/2',
      'fix 1/2',
      'fix 2/2',
    ]);
  });
  it('calls unnamed bytes orphaned only once they are older than a ticket lives; --fix leaves the younger', async () => {
    const oldId = randomUUID();
    const inFlightId = randomUUID();
    writeBytes(oldId);
    writeBytes(inFlightId, 'fresh');

    const report = await checkConsistency(services, { stagedUploadLifetimeMs: 3600 * 1000 });
    expect(report).toMatchObject({ orphanedObjects: [oldId], recentUnnamedObjects: 1 });
    const result = await fixConsistency(services, report, { removeOrphans: true, removeMissingBytesMetadata: false });

    expect(result.removedOrphanedObjects).toEqual([oldId]);
    expect(existsSync(join(fixture.artifactsPath, oldId))).toBe(false);
    expect(existsSync(join(fixture.artifactsPath, inFlightId))).toBe(true);
    // Once older than the lifetime nobody can complete it any more: then it is an orphan.
    utimesSync(join(fixture.artifactsPath, inFlightId), twoHoursAgo(), twoHoursAgo());
    expect(await checkConsistency(services, { stagedUploadLifetimeMs: 3600 * 1000 })).toMatchObject({
      orphanedObjects: [inFlightId],
      recentUnnamedObjects: 0,
    });
  });

  it('counts unnamed bytes that are gone by the time they are dated as neither orphaned nor recent', async () => {
    const abortedId = randomUUID();
    writeBytes(abortedId);
    const store = services.store;
    const hooked: ArtifactStore = Object.create(store) as ArtifactStore;
    // An upload aborted (or an orphan removed) between the listing and the stat.
    hooked.stat = async (artifactId) => {
      rmSync(join(fixture.artifactsPath, artifactId), { force: true });
      return store.stat(artifactId);
    };

    const report = await checkConsistency({ database: services.database, store: hooked });

    expect(report).toMatchObject({ orphanedObjects: [], recentUnnamedObjects: 0, missingBytes: [] });
  });
});
