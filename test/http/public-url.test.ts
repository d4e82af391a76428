// --public-url: an artifact's downloadUrl is absolute under the server's public address (a
// reverse proxy's, path prefix included); without it, a path on the server that serves the bytes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../support/fixture.js';
import { startServerOnFixtureCopy, type TestServer } from '../support/test-server.js';

const manifest = loadManifest();
const fixtureArtifact = manifest.artifacts.find((artifact) => artifact.kind === 'optuna' && artifact.size > 0)!;
const downloadUrlQuery = `query($id: String!) {
  artifact(artifactId: $id) { downloadUrl }
  artifacts(first: 100) { edges { node { artifactId downloadUrl } } }
}`;

interface DownloadUrls {
  artifact: { downloadUrl: string };
  artifacts: { edges: { node: { artifactId: string; downloadUrl: string } }[] };
}

const sha256Of = async (response: Response): Promise<string> =>
  createHash('sha256')
    .update(Buffer.from(await response.arrayBuffer()))
    .digest('hex');

async function downloadUrlsOf(server: TestServer): Promise<DownloadUrls> {
  const response = await server.graphql<DownloadUrls>(downloadUrlQuery, { id: fixtureArtifact.artifact_id });
  expect(response.errors).toBeUndefined();
  return response.data!;
}

describe.each([
  ['https://artifacts.example.org', 'https://artifacts.example.org/artifacts/'],
  ['https://example.org/optuna/', 'https://example.org/optuna/artifacts/'],
])('with --public-url %s', (publicUrl, expectedPrefix) => {
  let server: TestServer;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ server, stop } = await startServerOnFixtureCopy(['--public-url', publicUrl]));
  });
  afterAll(() => stop());

  it('downloadUrl is absolute under it, for every artifact', async () => {
    const { artifact, artifacts } = await downloadUrlsOf(server);
    expect(artifact.downloadUrl).toBe(`${expectedPrefix}${fixtureArtifact.artifact_id}`);
    expect(artifacts.edges).toHaveLength(manifest.artifacts.length);
    for (const { node } of artifacts.edges) expect(node.downloadUrl).toBe(`${expectedPrefix}${node.artifactId}`);
  });

  it('the path below the public address is the route that serves the bytes', async () => {
    const { artifact } = await downloadUrlsOf(server);
    const pathOnServer = artifact.downloadUrl.slice(publicUrl.replace(/\/$/, '').length);
    const response = await fetch(server.url + pathOnServer);
    expect(response.status).toBe(200);
    expect(await sha256Of(response)).toBe(fixtureArtifact.sha256);
  });
});

describe('without --public-url', () => {
  let server: TestServer;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ server, stop } = await startServerOnFixtureCopy());
  });
  afterAll(() => stop());

  it('downloadUrl is the path of the bytes on this server', async () => {
    const { artifact } = await downloadUrlsOf(server);
    expect(artifact.downloadUrl).toBe(`/artifacts/${fixtureArtifact.artifact_id}`);
    const response = await fetch(new URL(artifact.downloadUrl, server.url));
    expect(response.status).toBe(200);
    expect(await sha256Of(response)).toBe(fixtureArtifact.sha256);
  });
});
