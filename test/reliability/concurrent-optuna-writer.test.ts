// Python Optuna writing to the same SQLite file (new trials, params, values, user attributes,
// in a tight loop) while 20 uploads run through the API at once: no error reaches a client,
// Optuna's writer sees none either, and Optuna lists every uploaded artifact.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { startOptunaWriter, type OptunaWriterReport } from '../support/optuna-writer.js';
import { listArtifactsWithOptuna } from '../support/python-optuna.js';

const uploadCount = 20;
const upload = `mutation($studyId: Int, $trialId: Int, $file: Upload!) {
  uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file) { artifactId sha256 }
}`;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let server: TestServer;
const figures = {
  writerWrites: 0,
  writesDuringUploads: 0,
  writerErrors: 0,
  uploadsAttempted: 0,
  uploadsSucceeded: 0,
  uploadsIdentical: 0,
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  console.log(
    `concurrency: python optuna ${figures.writerWrites} writes (${figures.writesDuringUploads} while the uploads ran), ${figures.writerErrors} errors; ` +
      `uploads ${figures.uploadsAttempted} attempted, ${figures.uploadsSucceeded} succeeded, ${figures.uploadsIdentical} identical`,
  );
});

it.skipIf(!inject('pythonOptuna'))(
  `${uploadCount} uploads through the API succeed while Python Optuna writes to the same database`,
  async () => {
    const databasePath = join(server.directory, 'optuna.db');
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "shared", directions: [MINIMIZE]) { studyId } }',
    );
    const studyId = study.data!.createStudy.studyId;
    const trial = await server.graphql<{ createTrial: { trialId: number } }>(
      'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
      { s: studyId },
    );
    const trialId = trial.data!.createTrial.trialId;

    const writer = await startOptunaWriter(databasePath, 'shared');
    let report: OptunaWriterReport;
    const files = Array.from({ length: uploadCount }, (_, index) => randomBytes(256 * 1024 + index * 32 * 1024));
    try {
      const writesBefore = writer.writesSoFar();
      figures.uploadsAttempted = uploadCount;
      const results = await Promise.all(
        files.map((content, index) =>
          uploadMultipart<{ uploadArtifact: { artifactId: string; sha256: string } }>(
            server.url,
            upload,
            index % 2 === 0 ? { studyId, file: null } : { trialId, file: null },
            [{ variablePath: 'variables.file', content, filename: `concurrent-${index}.bin` }],
          ),
        ),
      );
      figures.writesDuringUploads = writer.writesSoFar() - writesBefore;
      for (const [index, { status, body }] of results.entries()) {
        expect(body.errors, `upload ${index}`).toBeUndefined();
        expect(status).toBe(200);
        figures.uploadsSucceeded += 1;
        const { artifactId, sha256: reported } = body.data!.uploadArtifact;
        if (
          reported === sha256(files[index]!) &&
          sha256(readFileSync(join(server.directory, 'artifacts', artifactId))) === reported
        )
          figures.uploadsIdentical += 1;
      }
    } finally {
      report = await writer.stop();
      figures.writerWrites = report.writes;
      figures.writerErrors = report.error_count;
    }

    expect(report.errors).toEqual([]);
    expect(report.exitCode, report.stderr).toBe(0);
    expect(figures.uploadsIdentical).toBe(uploadCount);
    // The writer really ran alongside the uploads, not before or after them.
    expect(figures.writesDuringUploads).toBeGreaterThan(0);

    // Optuna lists all of them, next to the trials its own writer created.
    const studyArtifacts = (await listArtifactsWithOptuna(databasePath, { studyId })) as { artifact_id: string }[];
    const trialArtifacts = (await listArtifactsWithOptuna(databasePath, { trialId })) as { artifact_id: string }[];
    expect(studyArtifacts.length + trialArtifacts.length).toBe(uploadCount);
    const trials = await server.graphql<{ study: { trialCount: number } }>(
      'query($s: Int!) { study(studyId: $s) { trialCount } }',
      { s: studyId },
    );
    expect(trials.data!.study.trialCount).toBe(report.trials + 1);
  },
);
