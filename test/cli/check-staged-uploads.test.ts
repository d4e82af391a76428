// `check` and staged uploads: an upload begun longer ago than a ticket lives (a multipart upload
// on S3, a staged file on the filesystem store) is reported, and `--fix` aborts it; a younger
// one is still in flight and left alone. So are the bytes a single PUT put at the artifact's
// key in the bucket before completion writes their row.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3rverCredentials } from '../support/s3rver.js';
import { runCli } from '../support/run-cli.js';
import { startStagedStore, type StagedStore, type StagedStoreKind } from '../support/staged-stores.js';
import {
  completeStagedUpload,
  createStagedUpload,
  sendStagedBytes,
  type UploadTicket,
} from '../support/staged-upload-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const s3Env = {
  AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
  AWS_REGION: 'us-east-1',
};

describe.each<StagedStoreKind>(['filesystem', 's3'])(
  'check on the %s store with an unfinished staged upload',
  (kind) => {
    let store: StagedStore;
    let server: TestServer;
    let artifactId: string;
    let checkArgs: string[];
    const savedEnvironment = { ...process.env };

    beforeAll(async () => {
      store = await startStagedStore(kind);
      server = await startTestServer([...store.args, '--staged-part-size', '5MiB']);
      const study = await server.graphql<{ createStudy: { studyId: number } }>(
        'mutation { createStudy(name: "unfinished") { studyId } }',
      );
      const content = randomBytes(6 * 1024 * 1024);
      const created = await createStagedUpload(server, {
        studyId: study.data!.createStudy.studyId,
        filename: 'never-completed.bin',
        size: content.length,
      });
      const ticket = created.data!.createArtifactUpload;
      artifactId = ticket.artifactId;
      // S3: the first of two parts of a multipart upload; filesystem: the whole file, staged.
      expect((await sendStagedBytes(ticket, content, { onlyParts: [1] })).refusal).toBeUndefined();
      expect(await store.unfinishedUploads()).toBe(1);
      checkArgs = ['check', `sqlite:///${join(server.directory, 'optuna.db')}`, ...store.args, '--json'];
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
      process.env = savedEnvironment;
    });

    it('an upload younger than the ticket lifetime is in flight: consistent, nothing touched', async () => {
      const run = await runCli([...checkArgs, '--fix'], s3Env);
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ consistent: true, staleStagedUploads: [] });
      expect(await store.unfinishedUploads()).toBe(1);
    });

    it('an older one is reported, and --fix aborts it: nothing is left', async () => {
      const report = await runCli([...checkArgs, '--upload-ticket-ttl', '0.001'], s3Env);
      expect(report.exitCode).toBe(1);
      expect(JSON.parse(report.stdout)).toMatchObject({
        consistent: false,
        staleStagedUploads: [expect.objectContaining({ artifactId })],
      });
      expect(await store.unfinishedUploads()).toBe(1);

      const fix = await runCli([...checkArgs, '--upload-ticket-ttl', '0.001', '--fix'], s3Env);
      expect(fix.exitCode).toBe(0);
      expect(JSON.parse(fix.stdout)).toMatchObject({ consistent: true, fix: { removedStagedUploads: [artifactId] } });
      expect(await store.unfinishedUploads()).toBe(0);
      expect(await store.objectExists(artifactId)).toBe(false);
    });
  },
);

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe.each<StagedStoreKind>(['s3', 'gcs'])(
  'check on the %s store while the bytes of a single-PUT staged upload wait for completion',
  (kind) => {
    let store: StagedStore;
    let server: TestServer;
    let studyId: number;
    let checkArgs: string[];
    const savedEnvironment = { ...process.env };

    beforeAll(async () => {
      store = await startStagedStore(kind);
      server = await startTestServer(store.args);
      const study = await server.graphql<{ createStudy: { studyId: number } }>(
        'mutation { createStudy(name: "in flight") { studyId } }',
      );
      studyId = study.data!.createStudy.studyId;
      checkArgs = ['check', `sqlite:///${join(server.directory, 'optuna.db')}`, ...store.args, '--json'];
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
      process.env = savedEnvironment;
    });

    /** A staged upload whose bytes are PUT (to the artifact's own key) and not yet completed. */
    async function sentNotCompleted(content: Buffer): Promise<UploadTicket> {
      const created = await createStagedUpload(server, {
        studyId,
        filename: 'checkpoint.pt',
        size: content.length,
        sha256: sha256(content),
      });
      const ticket = created.data!.createArtifactUpload;
      expect(ticket.parts).toEqual([]);
      expect((await sendStagedBytes(ticket, content)).refusal).toBeUndefined();
      expect(await store.objectExists(ticket.artifactId)).toBe(true);
      return ticket;
    }

    it('check calls them recent, not orphaned; --fix leaves them; the upload then completes intact', async () => {
      const content = randomBytes(256 * 1024);
      const ticket = await sentNotCompleted(content);

      const report = await runCli(checkArgs, s3Env);
      const fix = await runCli([...checkArgs, '--fix'], s3Env);

      expect(report.exitCode).toBe(0);
      expect(JSON.parse(report.stdout)).toMatchObject({
        consistent: true,
        orphanedObjects: [],
        recentUnnamedObjects: 1,
      });
      expect(fix.exitCode).toBe(0);
      expect(JSON.parse(fix.stdout)).toMatchObject({
        consistent: true,
        recentUnnamedObjects: 1,
        fix: { removedOrphanedObjects: [], failure: null },
      });
      expect(await store.objectExists(ticket.artifactId)).toBe(true);

      const completed = await completeStagedUpload(server, ticket.token);
      expect(completed.errors).toBeUndefined();
      expect(completed.data!.completeArtifactUpload).toMatchObject({ size: content.length, sha256: sha256(content) });
      const download = await fetch(`${server.url}/artifacts/${ticket.artifactId}`);
      expect(download.status).toBe(200);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(content));
      expect(JSON.parse((await runCli(checkArgs, s3Env)).stdout)).toMatchObject({
        consistent: true,
        recentUnnamedObjects: 0,
      });
    });

    it('once older than the ticket lifetime they are orphaned, and --fix removes them', async () => {
      const ticket = await sentNotCompleted(randomBytes(1024));
      // A lifetime this short makes bytes PUT just now older than any ticket.
      const shortLived = [...checkArgs, '--upload-ticket-ttl', '0.001'];

      const report = await runCli(shortLived, s3Env);
      expect(report.exitCode).toBe(1);
      expect(JSON.parse(report.stdout)).toMatchObject({
        consistent: false,
        orphanedObjects: [ticket.artifactId],
        recentUnnamedObjects: 0,
      });

      const fix = await runCli([...shortLived, '--fix'], s3Env);
      expect(fix.exitCode).toBe(0);
      expect(JSON.parse(fix.stdout)).toMatchObject({ fix: { removedOrphanedObjects: [ticket.artifactId] } });
      expect(await store.objectExists(ticket.artifactId)).toBe(false);
    });
  },
);
