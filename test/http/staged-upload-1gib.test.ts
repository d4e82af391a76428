// Done-when of staged uploads: a 1 GiB file sent with a staged upload to each store (S3 in
// 64 MiB parts, GCS through a resumable session, the filesystem through PUT /uploads/{token}),
// then listed by Python Optuna's get_all_artifact_meta and read back byte-identical by upstream
// Optuna's matching artifact store.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer } from '../support/test-server.js';
import { listArtifactsWithOptuna } from '../support/python-optuna.js';
import { startStagedStore, type StagedStoreKind } from '../support/staged-stores.js';
import { stagedUpload } from '../support/staged-upload-client.js';

const GiB = 1024 ** 3;
const chunkSize = 16 * 1024 * 1024;

describe.skipIf(!inject('pythonOptuna'))('a 1 GiB staged upload, read back by Python Optuna', () => {
  let folder: string;
  let path: string;
  let sha256: string;
  const savedEnvironment = { ...process.env };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'oag-1gib-'));
    path = join(folder, 'checkpoint.bin');
    const hash = createHash('sha256');
    const file = createWriteStream(path);
    for (let written = 0; written < GiB; written += chunkSize) {
      const chunk = randomBytes(chunkSize);
      hash.update(chunk);
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
    }
    file.end();
    await finished(file);
    sha256 = hash.digest('hex');
  }, 120_000);
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
    process.env = savedEnvironment;
  });

  it.each<StagedStoreKind>(['filesystem', 's3', 'gcs'])(
    'on the %s store',
    async (kind) => {
      const store = await startStagedStore(kind);
      const server = await startTestServer(store.args);
      try {
        const study = await server.graphql<{ createStudy: { studyId: number } }>(
          'mutation { createStudy(name: "big") { studyId } }',
        );
        const studyId = study.data!.createStudy.studyId;
        const { ticket, artifact, errorCode } = await stagedUpload(
          server,
          { studyId, filename: 'checkpoint.bin', size: GiB },
          { path },
        );
        expect(errorCode).toBeUndefined();
        if (kind === 's3') expect(ticket.parts).toHaveLength(16);
        expect(artifact).toMatchObject({ artifactId: ticket.artifactId, size: GiB });
        expect(await listArtifactsWithOptuna(join(server.directory, 'optuna.db'), { studyId })).toEqual([
          {
            artifact_id: ticket.artifactId,
            filename: 'checkpoint.bin',
            mimetype: 'application/octet-stream',
            encoding: null,
          },
        ]);
        expect(await store.readWithOptuna(ticket.artifactId)).toEqual({ size: GiB, sha256 });
      } finally {
        await server.stop();
        await store.close();
      }
    },
    300_000,
  );
});
