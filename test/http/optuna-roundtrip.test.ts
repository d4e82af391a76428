// Artifacts uploaded through GraphQL are Optuna's own: Optuna's get_all_artifact_meta lists
// them and its FileSystemArtifactStore / Boto3ArtifactStore read the same bytes. Deleting one
// leaves the owner's other artifacts listable by Optuna.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadManifest, type FixtureCopy } from '../support/fixture.js';
import { startServerOnFixtureCopy, startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { listArtifactsWithOptuna } from '../support/python-optuna.js';
import { readWithOptunaBoto3Store, readWithOptunaFileSystemStore } from '../support/python-optuna-store.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';

const upload = `mutation($studyId: Int, $trialId: Int, $file: Upload!) {
  uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file) { artifactId filename mimetype encoding sha256 size }
}`;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const manifest = loadManifest();

interface Uploaded {
  uploadArtifact: {
    artifactId: string;
    filename: string;
    mimetype: string;
    encoding: string | null;
    sha256: string;
    size: number;
  };
}

describe('on the FileSystem store (a copy of the fixture)', () => {
  let fixture: FixtureCopy;
  let server: TestServer;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ server, fixture, stop } = await startServerOnFixtureCopy());
  });
  afterAll(() => stop());

  it.skipIf(!inject('pythonOptuna'))(
    'Optuna lists a study artifact and a trial artifact uploaded here, and reads identical bytes',
    async () => {
      const studyFile = randomBytes(300_000);
      const trialFile = Buffer.from('{"epoch": 3}');
      // A RUNNING trial: Optuna allows artifacts there.
      const runningTrial = manifest.studies[0]!.trials.find((trial) => trial.state === 'RUNNING')!;
      const forStudy = await uploadMultipart<Uploaded>(server.url, upload, { studyId: 1, file: null }, [
        { variablePath: 'variables.file', content: studyFile, filename: 'weights.pt' },
      ]);
      const forTrial = await uploadMultipart<Uploaded>(
        server.url,
        upload,
        { trialId: runningTrial.trial_id, file: null },
        [{ variablePath: 'variables.file', content: trialFile, filename: 'state.json' }],
      );
      const studyArtifact = forStudy.body.data!.uploadArtifact;
      const trialArtifact = forTrial.body.data!.uploadArtifact;

      const studyList = await listArtifactsWithOptuna(fixture.databasePath, { studyId: 1 });
      expect(studyList).toContainEqual({
        artifact_id: studyArtifact.artifactId,
        filename: 'weights.pt',
        mimetype: studyArtifact.mimetype,
        encoding: null,
      });
      const trialList = await listArtifactsWithOptuna(fixture.databasePath, { trialId: runningTrial.trial_id });
      expect(trialList).toContainEqual({
        artifact_id: trialArtifact.artifactId,
        filename: 'state.json',
        mimetype: 'application/json',
        encoding: null,
      });
      expect(trialList).toHaveLength(
        runningTrial.system_attr_keys.filter((key) => key.startsWith('artifacts:')).length + 1,
      );

      expect(await readWithOptunaFileSystemStore(fixture.artifactsPath, studyArtifact.artifactId)).toEqual({
        size: studyFile.length,
        sha256: sha256(studyFile),
      });
      expect(await readWithOptunaFileSystemStore(fixture.artifactsPath, trialArtifact.artifactId)).toEqual({
        size: trialFile.length,
        sha256: sha256(trialFile),
      });
    },
  );

  it.skipIf(!inject('pythonOptuna'))(
    'deleteArtifact removes a fixture artifact’s row and bytes; Optuna still lists the owner’s others',
    async () => {
      const trialFour = manifest.optuna_get_all_artifact_meta['sample-minimize']!['trial#4'] as string[];
      const victim = trialFour[0]!;
      const owner = manifest.artifacts.find((artifact) => artifact.artifact_id === victim)!.owner as {
        trial_id: number;
      };
      const result = await server.graphql<{ deleteArtifact: { artifactId: string; studyId: number; trialId: number } }>(
        'mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId studyId trialId } }',
        { id: victim },
      );
      expect(result.data!.deleteArtifact).toEqual({ artifactId: victim, studyId: 1, trialId: owner.trial_id });
      expect(existsSync(join(fixture.artifactsPath, victim))).toBe(false);
      const database = new Database(fixture.databasePath, { readonly: true });
      const rows = database
        .prepare('SELECT count(*) FROM trial_system_attributes WHERE key = ?')
        .pluck()
        .get(`artifacts:${victim}`);
      database.close();
      expect(rows).toBe(0);
      const listed = (await listArtifactsWithOptuna(fixture.databasePath, { trialId: owner.trial_id })) as Array<{
        artifact_id: string;
      }>;
      expect(listed.map((meta) => meta.artifact_id).sort()).toEqual(trialFour.slice(1).sort());
    },
  );

  it('deleteArtifact removes a legacy dashboard artifact too', async () => {
    const legacy = manifest.artifacts.find((artifact) => artifact.kind === 'dashboard-legacy')!;
    const result = await server.graphql<{ deleteArtifact: { artifactId: string } }>(
      'mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }',
      { id: legacy.artifact_id },
    );
    expect(result.data!.deleteArtifact.artifactId).toBe(legacy.artifact_id);
    expect(existsSync(join(fixture.artifactsPath, legacy.artifact_id))).toBe(false);
    const again = await server.graphql('query($id: String!) { artifact(artifactId: $id) { artifactId } }', {
      id: legacy.artifact_id,
    });
    expect(again.data).toEqual({ artifact: null });
  });

  it('deleteArtifact answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a non-UUID', async () => {
    const unknown = await server.graphql(
      'mutation { deleteArtifact(artifactId: "00000000-0000-4000-8000-000000000000") { artifactId } }',
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    for (const id of ['../../optuna.db', '/etc/passwd', 'not-a-uuid', '']) {
      const bad = await server.graphql('mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }', {
        id,
      });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(existsSync(fixture.databasePath)).toBe(true);
  });
});

describe.skipIf(!inject('pythonOptuna'))('on the S3 store (s3rver)', () => {
  let s3: RunningS3rver;
  let server: TestServer;
  const savedEnvironment = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3rver();
    // The AWS SDK's default credential chain reads these.
    process.env.AWS_ACCESS_KEY_ID = s3rverCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3rverCredentials.secretAccessKey;
    server = await startTestServer([
      '--artifact-store',
      `s3://${s3.bucket}`,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-force-path-style',
    ]);
    await server.graphql('mutation { createStudy(name: "s3") { studyId } }');
  });
  afterAll(async () => {
    await server.stop();
    await s3.close();
    process.env = savedEnvironment;
  });

  it('Optuna lists the artifact and Boto3ArtifactStore reads identical bytes (object key = artifact id)', async () => {
    const content = randomBytes(6 * 1024 * 1024);
    const { body } = await uploadMultipart<Uploaded>(server.url, upload, { studyId: 1, file: null }, [
      { variablePath: 'variables.file', content, filename: 'checkpoint.bin' },
    ]);
    expect(body.errors).toBeUndefined();
    const artifact = body.data!.uploadArtifact;
    expect(await listArtifactsWithOptuna(join(server.directory, 'optuna.db'), { studyId: 1 })).toEqual([
      {
        artifact_id: artifact.artifactId,
        filename: 'checkpoint.bin',
        mimetype: 'application/octet-stream',
        encoding: null,
      },
    ]);
    expect(await readWithOptunaBoto3Store(s3.endpoint, s3.bucket, artifact.artifactId)).toEqual({
      size: content.length,
      sha256: sha256(content),
    });

    const downloaded = await fetch(`${server.url}/artifacts/${artifact.artifactId}`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(downloaded.status).toBe(206);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(content.subarray(100, 200))).toBe(true);

    const deleted = await server.graphql('mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }', {
      id: artifact.artifactId,
    });
    expect(deleted.errors).toBeUndefined();
    await expect(readWithOptunaBoto3Store(s3.endpoint, s3.bucket, artifact.artifactId)).rejects.toThrow(
      /NoSuchKey|Not Found|404/,
    );
  });
});
