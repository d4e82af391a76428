// Several files in one request: uploadArtifacts stores all of its files or none (no row, no
// bytes, no live-feed event); aliased uploadArtifact fields succeed or fail each on its own, and
// every artifact stored is reported in `data`; a file part used twice; file parts sent in
// another order than the fields that use them.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, type Leftovers } from '../support/leftovers.js';
import { uploadMultipart, type FileToUpload } from '../support/multipart.js';
import { subscribeOverSse, untilListening } from '../support/subscription-clients.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitUntil } from '../support/wait-until.js';

const maxFileSize = 64 * 1024;
/** Bigger than a stream's buffer (16 KiB): a file part nobody reads would hold up the next one. */
const fileSize = 60_000;
const uploadMany =
  'mutation($studyId: Int, $files: [Upload!]!) { uploadArtifacts(studyId: $studyId, files: $files) { artifactId sha256 } }';
const twoAliases = `mutation($a: Upload!, $b: Upload!, $studyA: Int, $studyB: Int) {
  a: uploadArtifact(studyId: $studyA, file: $a) { artifactId sha256 }
  b: uploadArtifact(studyId: $studyB, file: $b) { artifactId sha256 }
}`;

interface Uploaded {
  artifactId: string;
  sha256: string;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let server: TestServer;
let studyId: number;
const state = (): Leftovers => leftovers(join(server.directory, 'optuna.db'), join(server.directory, 'artifacts'));
const storedBytes = (artifactId: string): Buffer => readFileSync(join(server.directory, 'artifacts', artifactId));

/** What an upload added: the new metadata keys and stored objects (none left over in the spool). */
async function addedSince(before: Leftovers): Promise<{ metadataKeys: string[]; storedObjects: string[] }> {
  // Files of fields that never ran are removed just after the answer: wait for that.
  await waitUntil(() => state().temporaryFiles.length === 0, 'the spool folder is empty');
  const after = state();
  return {
    metadataKeys: after.metadataKeys.filter((key) => !before.metadataKeys.includes(key)),
    storedObjects: after.storedObjects.filter((name) => !before.storedObjects.includes(name)),
  };
}

const file = (variablePath: string | string[], content: Buffer, filename = 'file.bin'): FileToUpload => ({
  variablePath,
  content,
  filename,
});

beforeAll(async () => {
  server = await startTestServer(['--max-file-size', String(maxFileSize), '--max-files', '5']);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "batches") { studyId } }',
  );
  studyId = study.data!.createStudy.studyId;
});

afterAll(async () => {
  await server.stop();
});

describe('uploadArtifacts is all or nothing', () => {
  it('stores none of the files when one is over --max-file-size, and announces none', async () => {
    const feed = subscribeOverSse(server.url, {
      query: 'subscription($s: Int) { artifactCreated(studyId: $s) { artifact { artifactId } } }',
      variables: { s: studyId },
    });
    await untilListening(server.services.events, 1);
    const before = state();

    const { status, body } = await uploadMultipart<{ uploadArtifacts: Uploaded[] | null }>(
      server.url,
      uploadMany,
      { studyId, files: [null, null, null] },
      [
        file('variables.files.0', randomBytes(fileSize)),
        file('variables.files.1', randomBytes(maxFileSize + 1)),
        file('variables.files.2', randomBytes(fileSize)),
      ],
    );
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.data?.uploadArtifacts).toBeNull();
    expect(await addedSince(before)).toEqual({ metadataKeys: [], storedObjects: [] });

    // The next event is the next successful upload's: nothing was announced for the batch.
    const content = randomBytes(100);
    const good = await uploadMultipart<{ uploadArtifacts: Uploaded[] }>(
      server.url,
      uploadMany,
      { studyId, files: [null] },
      [file('variables.files.0', content)],
    );
    const [event] = await feed.received.count(1);
    feed.close();
    expect(
      (event as ExecutionResult<{ artifactCreated: { artifact: { artifactId: string } } }>).data?.artifactCreated
        .artifact.artifactId,
    ).toBe(good.body.data!.uploadArtifacts[0]!.artifactId);
  });

  it('stores all the files when all are good, each under its own id with its own bytes', async () => {
    const contents = [randomBytes(fileSize), randomBytes(10), randomBytes(0)];
    const before = state();
    const { body } = await uploadMultipart<{ uploadArtifacts: Uploaded[] }>(
      server.url,
      uploadMany,
      { studyId, files: contents.map(() => null) },
      contents.map((content, index) => file(`variables.files.${index}`, content, `f${index}.bin`)),
    );
    expect(body.errors).toBeUndefined();
    const uploaded = body.data!.uploadArtifacts;
    expect(uploaded.map((artifact) => artifact.sha256)).toEqual(contents.map(sha256));
    for (const [index, artifact] of uploaded.entries())
      expect(storedBytes(artifact.artifactId).equals(contents[index]!)).toBe(true);
    const added = await addedSince(before);
    expect(added.metadataKeys.sort()).toEqual(uploaded.map((artifact) => `artifacts:${artifact.artifactId}`).sort());
    expect(added.storedObjects.sort()).toEqual(uploaded.map((artifact) => artifact.artifactId).sort());
  });

  it('refuses one file part given twice in the list, storing nothing', async () => {
    const before = state();
    const { status, body } = await uploadMultipart(server.url, uploadMany, { studyId, files: [null, null] }, [
      file(['variables.files.0', 'variables.files.1'], randomBytes(fileSize)),
    ]);
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/same file part is used twice/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await addedSince(before)).toEqual({ metadataKeys: [], storedObjects: [] });
  });
});

describe('aliased uploadArtifact fields: each on its own, every stored artifact reported', () => {
  it.each([
    ['the second', [fileSize, maxFileSize + 1]],
    ['the first', [maxFileSize + 1, fileSize]],
  ] as const)('reports the stored artifact when %s file is over --max-file-size', async (_which, sizes) => {
    const contents = sizes.map((size) => randomBytes(size));
    const before = state();
    const { status, body } = await uploadMultipart<{ a: Uploaded | null; b: Uploaded | null }>(
      server.url,
      twoAliases,
      { a: null, b: null, studyA: studyId, studyB: studyId },
      [file('variables.a', contents[0]!), file('variables.b', contents[1]!)],
    );
    expect(status).toBe(413);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    const stored = [body.data?.a, body.data?.b].filter((artifact) => artifact != null);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.sha256).toBe(sha256(contents.find((content) => content.length === fileSize)!));
    expect(await addedSince(before)).toEqual({
      metadataKeys: [`artifacts:${stored[0]!.artifactId}`],
      storedObjects: [stored[0]!.artifactId],
    });
  });

  it('stores the second field’s file when the first field fails before reading its own', async () => {
    const contents = [randomBytes(fileSize), randomBytes(fileSize)];
    const before = state();
    const { body } = await uploadMultipart<{ a: Uploaded | null; b: Uploaded | null }>(
      server.url,
      twoAliases,
      { a: null, b: null, studyA: 999_999, studyB: studyId },
      [file('variables.a', contents[0]!), file('variables.b', contents[1]!)],
    );
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['a'], 'NOT_FOUND']]);
    expect(body.data?.a).toBeNull();
    expect(body.data?.b?.sha256).toBe(sha256(contents[1]!));
    expect(await addedSince(before)).toEqual({
      metadataKeys: [`artifacts:${body.data!.b!.artifactId}`],
      storedObjects: [body.data!.b!.artifactId],
    });
  });

  it('stores both when the file parts come in the other order than the fields using them', async () => {
    const contents = [randomBytes(fileSize), randomBytes(fileSize)];
    // Part 0 is b's file, part 1 is a's: field a waits for the second part.
    const { body } = await uploadMultipart<{ a: Uploaded; b: Uploaded }>(
      server.url,
      twoAliases,
      { a: null, b: null, studyA: studyId, studyB: studyId },
      [file('variables.b', contents[1]!), file('variables.a', contents[0]!)],
    );
    expect(body.errors).toBeUndefined();
    expect(storedBytes(body.data!.a.artifactId).equals(contents[0]!)).toBe(true);
    expect(storedBytes(body.data!.b.artifactId).equals(contents[1]!)).toBe(true);
  });

  it('gives one file part mapped to two fields to the first only; the second is refused, nothing half-stored', async () => {
    const content = randomBytes(fileSize);
    const before = state();
    const { status, body } = await uploadMultipart<{ a: Uploaded | null; b: Uploaded | null }>(
      server.url,
      twoAliases,
      { a: null, b: null, studyA: studyId, studyB: studyId },
      [file(['variables.a', 'variables.b'], content)],
    );
    expect(status).toBe(400);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['b'], 'BAD_USER_INPUT']]);
    expect(body.data?.a?.sha256).toBe(sha256(content));
    expect(body.data?.b).toBeNull();
    expect(await addedSince(before)).toEqual({
      metadataKeys: [`artifacts:${body.data!.a!.artifactId}`],
      storedObjects: [body.data!.a!.artifactId],
    });
  });

  it('gives one Upload variable used by two fields to the first only', async () => {
    const content = randomBytes(100);
    const { body } = await uploadMultipart<{ a: Uploaded | null; b: Uploaded | null }>(
      server.url,
      'mutation($f: Upload!, $s: Int) { a: uploadArtifact(studyId: $s, file: $f) { artifactId sha256 } b: uploadArtifact(studyId: $s, file: $f) { artifactId sha256 } }',
      { f: null, s: studyId },
      [file('variables.f', content)],
    );
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['b'], 'BAD_USER_INPUT']]);
    expect(body.data?.a?.sha256).toBe(sha256(content));
  });
});
