// Artifact sizes the metadata lacks (Python's upload_artifact records none) come from the store:
// right for every fixture artifact, null for missing bytes, asked a few at a time for a whole
// page at once, kept across requests, and only when `size` is selected.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { concurrentStats } from '../../src/graphql/stored-size-loader.js';
import { FileSystemArtifactStore } from '../../src/stores/filesystem-store.js';
import { copyFixture, loadManifest, type FixtureCopy } from '../support/fixture.js';
import { createInProcessGraphQL, type InProcessGraphQL } from '../support/graphql-in-process.js';
import { startServerOnFixtureCopy } from '../support/test-server.js';

const manifest = loadManifest();

interface SizesData {
  artifacts: { totalCount: number; edges: { node: { artifactId: string; size: number | null } }[] };
}
const sizesQuery = '{ artifacts(first: 1000) { totalCount edges { node { artifactId size } } } }';
const sizesById = (data: SizesData | null | undefined): Map<string, number | null> =>
  new Map(data!.artifacts.edges.map(({ node }) => [node.artifactId, node.size]));

describe('size of artifacts that Python uploaded, on a real server', () => {
  it("is the stored file's size for every fixture artifact, and null (not an error) for missing bytes", async () => {
    const { server, fixture, stop } = await startServerOnFixtureCopy();
    try {
      const lost = manifest.artifacts.find((artifact) => artifact.kind === 'optuna')!;
      rmSync(join(fixture.artifactsPath, lost.artifact_id));

      const response = await server.graphql<SizesData>(sizesQuery);

      expect(response.errors).toBeUndefined();
      const sizes = sizesById(response.data);
      expect(sizes.size).toBe(manifest.counts.artifacts);
      for (const artifact of manifest.artifacts) {
        expect(sizes.get(artifact.artifact_id)).toBe(artifact === lost ? null : artifact.size);
      }
    } finally {
      await stop();
    }
  });
});

describe('how sizes are asked of the store', () => {
  let fixture: FixtureCopy;
  let opened: InProcessGraphQL[] = [];
  let store: FileSystemArtifactStore;
  /** stat calls so far, and the most that were in flight at once. */
  let stats: { calls: number; inFlight: number; mostInFlight: number };

  beforeAll(() => {
    fixture = copyFixture();
  });
  afterAll(() => {
    fixture.remove();
  });
  afterEach(async () => {
    await Promise.all(opened.map((graphql) => graphql.close()));
    opened = [];
  });

  /** The production GraphQL server on the fixture copy, asking `sizesFrom` for sizes. */
  const graphqlOn = async (sizesFrom: FileSystemArtifactStore): Promise<InProcessGraphQL> => {
    const graphql = await createInProcessGraphQL(fixture.databasePath, [
      '--artifact-store',
      `file://${fixture.artifactsPath}`,
    ]);
    graphql.services.store = sizesFrom;
    opened.push(graphql);
    return graphql;
  };
  beforeEach(() => {
    // A fresh store each time: sizes are kept per store.
    store = new FileSystemArtifactStore(fixture.artifactsPath);
    stats = { calls: 0, inFlight: 0, mostInFlight: 0 };
    const stat = store.stat.bind(store);
    vi.spyOn(store, 'stat').mockImplementation(async (artifactId) => {
      stats.calls += 1;
      stats.inFlight += 1;
      stats.mostInFlight = Math.max(stats.mostInFlight, stats.inFlight);
      try {
        return await stat(artifactId);
      } finally {
        stats.inFlight -= 1;
      }
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('asks once per artifact, several at a time but at most the bound, and keeps the sizes for later requests', async () => {
    const graphql = await graphqlOn(store);

    const first = await graphql.execute<SizesData>(sizesQuery);

    expect(first.errors).toBeUndefined();
    expect(stats.calls).toBe(manifest.counts.artifacts);
    expect(stats.mostInFlight).toBe(Math.min(concurrentStats, manifest.counts.artifacts));

    // Another request (a fresh GraphQL context) on the same store.
    const second = await graphql.execute<SizesData>(sizesQuery);

    expect(stats.calls).toBe(manifest.counts.artifacts);
    expect(sizesById(second.data)).toEqual(sizesById(first.data));
  });

  it('asks nothing when size is not selected', async () => {
    const graphql = await graphqlOn(store);

    const response = await graphql.execute(
      '{ artifacts(first: 1000) { edges { node { artifactId filename sha256 createdAt } } } }',
    );

    expect(response.errors).toBeUndefined();
    expect(stats.calls).toBe(0);
  });

  it('asks again for missing bytes, which may arrive after the row (Optuna writes the row first)', async () => {
    const graphql = await graphqlOn(store);
    const late = manifest.artifacts[0]!;
    const path = join(fixture.artifactsPath, late.artifact_id);
    rmSync(path);

    const before = sizesById((await graphql.execute<SizesData>(sizesQuery)).data);
    writeFileSync(path, 'arrived late');
    const after = sizesById((await graphql.execute<SizesData>(sizesQuery)).data);

    expect(before.get(late.artifact_id)).toBeNull();
    expect(after.get(late.artifact_id)).toBe('arrived late'.length);
    expect(stats.calls).toBe(manifest.counts.artifacts + 1);
  });

  it('answers STORE_UNAVAILABLE when the store fails, and stops asking it for the rest of the page', async () => {
    const notAFolder = join(fixture.directory, 'not-a-folder');
    writeFileSync(notAFolder, 'a file where the store folder should be');
    const brokenStore = new FileSystemArtifactStore(notAFolder);
    const statSpy = vi.spyOn(brokenStore, 'stat');
    const graphql = await graphqlOn(brokenStore);

    const response = await graphql.execute<SizesData>(sizesQuery);

    expect(response.errors).toHaveLength(manifest.counts.artifacts);
    expect(new Set(response.errors!.map((error) => error.extensions?.code))).toEqual(new Set(['STORE_UNAVAILABLE']));
    expect(response.errors!.map((error) => error.path?.at(-1))).toEqual(Array(manifest.counts.artifacts).fill('size'));
    expect(statSpy.mock.calls.length).toBeLessThanOrEqual(concurrentStats);
    expect(graphql.unexpectedErrors).toEqual([]);
  });
});
