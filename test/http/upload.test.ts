// Uploads through GraphQL multipart requests to a real server: bytes, Optuna-format metadata,
// names and types, owner rules — and that a refused upload leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { leftovers } from '../support/leftovers.js';

const uploadOne = `mutation($studyId: Int, $trialId: Int, $file: Upload!, $filename: String, $mimetype: String, $encoding: String) {
  uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file, filename: $filename, mimetype: $mimetype, encoding: $encoding) {
    artifactId filename mimetype encoding size sha256 createdAt downloadUrl study { studyId } trial { trialId }
  }
}`;
const uploadMany = `mutation($studyId: Int, $trialId: Int, $files: [Upload!]!) {
  uploadArtifacts(studyId: $studyId, trialId: $trialId, files: $files) { artifactId filename size sha256 }
}`;

interface UploadedArtifact {
  artifactId: string;
  filename: string;
  mimetype: string;
  encoding: string | null;
  size: number;
  sha256: string;
  createdAt: string;
  downloadUrl: string;
  study: { studyId: number };
  trial: { trialId: number } | null;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let server: TestServer;
let studyId: number;
let runningTrialId: number;
let completeTrialId: number;
const databasePath = () => join(server.directory, 'optuna.db');
const storeFolder = () => join(server.directory, 'artifacts');

beforeAll(async () => {
  server = await startTestServer(['--max-file-size', '64KiB', '--max-files', '3']);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "uploads", directions: [MINIMIZE]) { studyId } }',
  );
  studyId = study.data!.createStudy.studyId;
  const trials = await server.graphql<{ a: { trialId: number }; b: { trialId: number } }>(
    `mutation($s: Int!) { a: createTrial(studyId: $s) { trialId } b: createTrial(studyId: $s) { trialId } }`,
    { s: studyId },
  );
  runningTrialId = trials.data!.a.trialId;
  completeTrialId = trials.data!.b.trialId;
  await server.graphql('mutation($t: Int!) { finishTrial(trialId: $t, state: COMPLETE, values: [1.5]) { state } }', {
    t: completeTrialId,
  });
});

afterAll(async () => {
  await server.stop();
});

describe('uploadArtifact', () => {
  it('stores a study artifact: identical bytes under its id, metadata in Optuna’s double-encoded format', async () => {
    const content = randomBytes(40_000);
    const { status, body } = await uploadMultipart<{ uploadArtifact: UploadedArtifact }>(
      server.url,
      uploadOne,
      { studyId, file: null },
      [{ variablePath: 'variables.file', content, filename: 'loss-curve.png' }],
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const artifact = body.data!.uploadArtifact;
    expect(artifact).toMatchObject({
      filename: 'loss-curve.png',
      mimetype: 'image/png',
      encoding: null,
      size: 40_000,
      sha256: sha256(content),
      study: { studyId },
      trial: null,
    });
    expect(artifact.downloadUrl).toBe(`/artifacts/${artifact.artifactId}`);
    expect(sha256(readFileSync(join(storeFolder(), artifact.artifactId)))).toBe(sha256(content));

    const database = new Database(databasePath(), { readonly: true });
    const row = database
      .prepare('SELECT study_id, value_json FROM study_system_attributes WHERE key = ?')
      .get(`artifacts:${artifact.artifactId}`) as { study_id: number; value_json: string };
    database.close();
    expect(row.study_id).toBe(studyId);
    const meta = JSON.parse(JSON.parse(row.value_json) as string) as Record<string, unknown>;
    expect(Object.keys(meta).slice(0, 4)).toEqual(['artifact_id', 'filename', 'mimetype', 'encoding']);
    expect(meta).toMatchObject({
      artifact_id: artifact.artifactId,
      filename: 'loss-curve.png',
      mimetype: 'image/png',
      encoding: null,
      size: 40_000,
      sha256: sha256(content),
    });
    expect(leftovers(databasePath(), storeFolder()).temporaryFiles).toEqual([]);
  });

  it('stores a trial artifact with guessed type and encoding, Unicode name kept, path stripped', async () => {
    const content = Buffer.from('a,b\n1,2\n');
    const { body } = await uploadMultipart<{ uploadArtifact: UploadedArtifact }>(
      server.url,
      uploadOne,
      { trialId: runningTrialId, file: null },
      [{ variablePath: 'variables.file', content, filename: '../../結果/学習ログ.csv.gz' }],
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.uploadArtifact).toMatchObject({
      filename: '学習ログ.csv.gz',
      mimetype: 'text/csv',
      encoding: 'gzip',
      trial: { trialId: runningTrialId },
    });
  });

  it('lets explicit filename, mimetype and encoding win over the guess', async () => {
    const { body } = await uploadMultipart<{ uploadArtifact: UploadedArtifact }>(
      server.url,
      uploadOne,
      { studyId, file: null, filename: 'model.ckpt', mimetype: 'application/x-pytorch', encoding: 'zstd' },
      [{ variablePath: 'variables.file', content: Buffer.from('weights'), filename: 'upload.bin' }],
    );
    expect(body.data!.uploadArtifact).toMatchObject({
      filename: 'model.ckpt',
      mimetype: 'application/x-pytorch',
      encoding: 'zstd',
    });
  });

  it('accepts a file of exactly --max-file-size bytes', async () => {
    const content = randomBytes(64 * 1024);
    const { body } = await uploadMultipart<{ uploadArtifact: UploadedArtifact }>(
      server.url,
      uploadOne,
      { studyId, file: null },
      [{ variablePath: 'variables.file', content, filename: 'exact.bin' }],
    );
    expect(body.data!.uploadArtifact).toMatchObject({ size: 64 * 1024, sha256: sha256(content) });
  });

  it('uploads several files in one request, in order', async () => {
    const files = [randomBytes(1000), randomBytes(2000), randomBytes(3000)];
    const { body } = await uploadMultipart<{ uploadArtifacts: UploadedArtifact[] }>(
      server.url,
      uploadMany,
      { trialId: runningTrialId, files: [null, null, null] },
      files.map((content, index) => ({
        variablePath: `variables.files.${index}`,
        content,
        filename: `part-${index}.bin`,
      })),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.uploadArtifacts.map((artifact) => [artifact.filename, artifact.sha256])).toEqual(
      files.map((content, index) => [`part-${index}.bin`, sha256(content)]),
    );
  });
});

describe('refused uploads leave nothing behind', () => {
  const cases: Array<[string, Record<string, unknown>, string, number?]> = [
    ['a finished trial (Optuna refuses attribute writes there)', { trialId: -1 }, 'TRIAL_FINISHED'],
    ['both studyId and trialId', { studyId: -2, trialId: -3 }, 'BAD_USER_INPUT'],
    ['neither studyId nor trialId', {}, 'BAD_USER_INPUT'],
    ['an unknown study', { studyId: 999_999 }, 'NOT_FOUND'],
    ['an unknown trial', { trialId: 999_999 }, 'NOT_FOUND'],
    ['CRLF in the mimetype', { studyId: -2, mimetype: 'text/plain\r\nX-Evil: 1' }, 'BAD_USER_INPUT'],
    ['a space in the encoding', { studyId: -2, encoding: 'gzip deflate' }, 'BAD_USER_INPUT'],
    ['a 10 KB filename', { studyId: -2, filename: 'x'.repeat(10_000) }, 'BAD_USER_INPUT'],
    ['CRLF-only filename', { studyId: -2, filename: '\r\n' }, 'BAD_USER_INPUT'],
  ];

  it.each(cases)('refuses %s', async (_name, overrides, code) => {
    const variables = { file: null, ...overrides } as Record<string, unknown>;
    if (variables.trialId === -1) variables.trialId = completeTrialId;
    if (variables.studyId === -2) variables.studyId = studyId;
    if (variables.trialId === -3) variables.trialId = runningTrialId;
    const before = leftovers(databasePath(), storeFolder());
    const { body } = await uploadMultipart(server.url, uploadOne, variables, [
      { variablePath: 'variables.file', content: randomBytes(20_000), filename: 'refused.bin' },
    ]);
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(leftovers(databasePath(), storeFolder())).toEqual(before);
  });

  it('refuses a file over --max-file-size with 413 / PAYLOAD_TOO_LARGE', async () => {
    const before = leftovers(databasePath(), storeFolder());
    const { status, body } = await uploadMultipart(server.url, uploadOne, { studyId, file: null }, [
      { variablePath: 'variables.file', content: randomBytes(64 * 1024 + 1), filename: 'too-big.bin' },
    ]);
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(leftovers(databasePath(), storeFolder())).toEqual(before);
  });

  it('refuses more than --max-files files with 413', async () => {
    const before = leftovers(databasePath(), storeFolder());
    const { status, body } = await uploadMultipart(
      server.url,
      uploadMany,
      { studyId, files: [null, null, null, null] },
      [0, 1, 2, 3].map((index) => ({
        variablePath: `variables.files.${index}`,
        content: randomBytes(100),
        filename: `f${index}.bin`,
      })),
    );
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(leftovers(databasePath(), storeFolder())).toEqual(before);
  });
});

describe('large uploads', () => {
  // Big enough that most socket reads hold nothing but file data: those chunks are moved to
  // the spool writer thread rather than copied (see src/artifacts/spool.ts).
  let bigServer: TestServer;
  let bigStudyId: number;
  beforeAll(async () => {
    bigServer = await startTestServer(['--max-file-size', '24MiB']);
    const study = await bigServer.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "large uploads", directions: [MINIMIZE]) { studyId } }',
    );
    bigStudyId = study.data!.createStudy.studyId;
  });
  afterAll(async () => {
    await bigServer.stop();
  });

  it('stores multi-MiB files byte for byte, several in one request and several requests at once', async () => {
    const requests = [0, 1, 2].map(() => [randomBytes(9 * 1024 * 1024 + 123), randomBytes(5 * 1024 * 1024 + 77)]);
    const responses = await Promise.all(
      requests.map((files) =>
        uploadMultipart<{ uploadArtifacts: UploadedArtifact[] }>(
          bigServer.url,
          uploadMany,
          { studyId: bigStudyId, files: files.map(() => null) },
          files.map((content, index) => ({
            variablePath: `variables.files.${index}`,
            content,
            filename: `big-${index}.bin`,
          })),
        ),
      ),
    );
    for (const [requestIndex, { body }] of responses.entries()) {
      expect(body.errors).toBeUndefined();
      const files = requests[requestIndex]!;
      expect(body.data!.uploadArtifacts.map((artifact) => [artifact.size, artifact.sha256])).toEqual(
        files.map((content) => [content.length, sha256(content)]),
      );
      for (const [index, artifact] of body.data!.uploadArtifacts.entries()) {
        expect(readFileSync(join(bigServer.directory, 'artifacts', artifact.artifactId)).equals(files[index]!)).toBe(
          true,
        );
      }
    }
    expect(
      leftovers(join(bigServer.directory, 'optuna.db'), join(bigServer.directory, 'artifacts')).temporaryFiles,
    ).toEqual([]);
  });
});
