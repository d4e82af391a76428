// Fuzzing the multipart upload path of a real server with fast-check: thousands of valid
// upload requests mutated at every level (operations, map, part headers, file contents, the
// bytes of the body, the boundary) and thousands of random bodies. Whatever arrives, the server
// answers 2xx or 4xx, never 5xx, never drops a complete request, keeps answering /healthz, never
// throws an uncaught error, and keeps nothing beyond the artifacts whose ids it answered with.
// Bounded by count and by time (fast-check's interruptAfterTimeLimit).
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, vi, type MockInstance } from 'vitest';
import { leftovers } from '../support/leftovers.js';
import { boundary, fieldPart, filePart, rawMultipartBody, type RawPart } from '../support/raw-multipart.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitUntil } from '../support/wait-until.js';

const maxFileSize = 64 * 1024;
const maxFiles = 4;
/** Each property stops at whichever comes first. */
const mutatedRuns = { numRuns: 5000, interruptAfterTimeLimit: 20_000 };
const randomRuns = { numRuns: 3000, interruptAfterTimeLimit: 8_000 };
/** A complete body is answered long before this, or the server is stuck. */
const answerTimeoutMs = 15_000;
const healthCheckEvery = 25;

let directory: string;
let server: TestServer;
let studyId: number;
let trialId: number;
/** Every artifact id the server answered with, in `data`. */
const reportedArtifactIds = new Set<string>();
const processFailures: unknown[] = [];
const errorLogLines: string[] = [];
let stderr: MockInstance<typeof process.stderr.write>;
const figures = { requests: 0, byStatus: new Map<number, number>() };

const onProcessFailure = (error: unknown) => processFailures.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onProcessFailure);
  process.on('unhandledRejection', onProcessFailure);
  // In memory where the machine has a tmpfs: the filesystem store flushes every artifact to
  // disk, which would make stored uploads, not parsing, the cost of this test.
  directory = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'oag-fuzz-'));
  server = await startTestServer([
    `sqlite:///${join(directory, 'optuna.db')}`,
    '--artifact-store',
    `file://${join(directory, 'artifacts')}`,
    '--max-file-size',
    String(maxFileSize),
    '--max-files',
    String(maxFiles),
  ]);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "fuzz") { studyId } }',
  );
  studyId = study.data!.createStudy.studyId;
  const trial = await server.graphql<{ createTrial: { trialId: number } }>(
    'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
    { s: studyId },
  );
  trialId = trial.data!.createTrial.trialId;
  // Thousands of requests log thousands of lines: keep only the errors, to check there are none.
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (text.includes('"level":"error"')) errorLogLines.push(text);
    return true;
  });
});

afterAll(async () => {
  stderr?.mockRestore();
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
  process.off('uncaughtException', onProcessFailure);
  process.off('unhandledRejection', onProcessFailure);
  console.log(
    `multipart fuzz: ${figures.requests} requests, statuses ${JSON.stringify(Object.fromEntries([...figures.byStatus].sort()))}, ${reportedArtifactIds.size} artifacts stored`,
  );
});

// ---- a valid request, as a model that mutations act on -------------------------------------

interface FileModel {
  /** The part's name, which the map refers to. */
  name: string;
  /** The bytes of the Content-Disposition after `name="…"`, e.g. `; filename="a.bin"`. */
  dispositionTail: Buffer;
  content: Buffer;
}

interface RequestModel {
  operations: string;
  map: string;
  files: FileModel[];
}

/** The valid requests the mutations start from: each kind of upload the API has. */
function validRequest(
  kind: 'one' | 'many' | 'aliases' | 'overrides' | 'unused',
  allFiles: FileModel[],
  owner: Record<string, number>,
): RequestModel {
  const request = (
    query: string,
    variables: Record<string, unknown>,
    files: FileModel[],
    paths: string[],
  ): RequestModel => ({
    operations: JSON.stringify({ query, variables: { ...owner, ...variables } }),
    map: JSON.stringify(Object.fromEntries(files.map((file, index) => [file.name, [paths[index % paths.length]!]]))),
    files,
  });
  const one = allFiles.slice(0, 1);
  switch (kind) {
    case 'one':
      return request(
        'mutation($s: Int, $t: Int, $f: Upload!) { uploadArtifact(studyId: $s, trialId: $t, file: $f) { artifactId } }',
        { f: null },
        one,
        ['variables.f'],
      );
    case 'many':
      return request(
        'mutation($s: Int, $t: Int, $fs: [Upload!]!) { uploadArtifacts(studyId: $s, trialId: $t, files: $fs) { artifactId } }',
        { fs: allFiles.map(() => null) },
        allFiles,
        allFiles.map((_, index) => `variables.fs.${index}`),
      );
    case 'aliases': {
      const two = [...allFiles, ...allFiles].slice(0, 2).map((file, index) => ({ ...file, name: String(index) }));
      return request(
        'mutation($s: Int, $t: Int, $a: Upload!, $b: Upload!) { a: uploadArtifact(studyId: $s, trialId: $t, file: $a) { artifactId } b: uploadArtifacts(studyId: $s, trialId: $t, files: [$b]) { artifactId } }',
        { a: null, b: null },
        two,
        ['variables.a', 'variables.b'],
      );
    }
    case 'overrides':
      return request(
        'mutation($s: Int, $t: Int, $f: Upload!, $n: String, $m: String, $e: String) { uploadArtifact(studyId: $s, trialId: $t, file: $f, filename: $n, mimetype: $m, encoding: $e) { artifactId filename } }',
        { f: null, n: 'model.ckpt', m: 'application/x-pytorch', e: 'zstd' },
        one,
        ['variables.f'],
      );
    case 'unused':
      return request('{ __typename }', {}, allFiles, ['variables.unused']);
  }
}

const byteValues = fc.constantFrom(0x00, 0x01, 0x0a, 0x0d, 0x1b, 0x22, 0x3a, 0x3b, 0x7f, 0xff, 0x2d);
const controlByteFilename = byteValues.map((byte) =>
  Buffer.concat([Buffer.from('; filename="a'), Buffer.from([byte]), Buffer.from('b.bin"')]),
);
const dispositionTails = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .constantFrom(
        '; filename="plot.png"',
        '; filename="run.log.gz"',
        '; filename="../../etc/passwd"',
        "; filename*=UTF-8''%E5%AD%A6%E7%BF%92.csv",
      )
      .map((tail) => Buffer.from(tail)),
  },
  { weight: 1, arbitrary: controlByteFilename },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('; filename=""', '', '; filename="\u202Egnp.exe"', `; filename="${'x'.repeat(300)}.bin"`)
      .map((tail) => Buffer.from(tail)),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.from(`; filename="big.bin"; padding="${'x'.repeat(20_000)}"`)) },
);
const fileSizes = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, maxFileSize, maxFileSize + 1) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
);
const fileContents = fc
  .record({ size: fileSizes, fill: fc.integer({ min: 0, max: 255 }), nearBoundary: fc.boolean() })
  .map(({ size, fill, nearBoundary }) => {
    const content = Buffer.alloc(size, fill);
    // Something that almost ends the part: the parser must tell it from the real boundary.
    if (nearBoundary && size > 64) Buffer.from(`\r\n--${boundary.slice(0, -1)}`).copy(content, Math.floor(size / 2));
    return content;
  });
const fileModels = fc
  .array(fc.record({ dispositionTail: dispositionTails, content: fileContents }), { minLength: 1, maxLength: maxFiles })
  .map((files) => files.map((file, index): FileModel => ({ name: String(index), ...file })));
const owners = fc
  .oneof(
    { weight: 5, arbitrary: fc.constantFrom<Record<string, number>>({ s: -1 }, { t: -2 }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, number>>({ s: -1, t: -2 }, {}, { s: 999_999 }) },
  )
  .map((owner) =>
    Object.fromEntries(
      Object.entries(owner).map(([key, value]) => [key, value === -1 ? studyId : value === -2 ? trialId : value]),
    ),
  );
const validRequests = fc
  .tuple(
    fc.constantFrom('one', 'many', 'many', 'aliases', 'overrides', 'unused') as fc.Arbitrary<
      Parameters<typeof validRequest>[0]
    >,
    fileModels,
    owners,
  )
  .map(([kind, files, owner]) => validRequest(kind, files, owner));

// ---- mutations -----------------------------------------------------------------------------

const oddPaths = [
  '__proto__.polluted',
  'variables.__proto__.polluted',
  'constructor.prototype.polluted',
  'variables',
  'query',
  '',
  ' ',
  'variables.fs.99',
  'variables.f.deeper',
  'variables.s',
  '0',
];

/** Changes the map: duplicates, swaps, drops, odd paths, parts never sent, wrong types, not JSON. */
const mapMutation: fc.Arbitrary<(map: string) => string> = fc.oneof(
  { weight: 40, arbitrary: fc.constant((map: string) => map) },
  fc.constant((map: string) => {
    const entries = Object.entries(JSON.parse(map) as Record<string, string[]>);
    return JSON.stringify(
      Object.fromEntries(entries.map(([name], index) => [name, entries[entries.length - 1 - index]![1]])),
    );
  }),
  fc.constant((map: string) => {
    const entries = Object.entries(JSON.parse(map) as Record<string, string[]>);
    return JSON.stringify(
      Object.fromEntries(
        entries.map(([name, paths], index) => [name, index === 0 ? [...paths, ...(entries[1]?.[1] ?? paths)] : paths]),
      ),
    );
  }),
  fc.constant((map: string) =>
    JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(map) as Record<string, string[]>).slice(1))),
  ),
  fc.constant((map: string) => JSON.stringify({ ...(JSON.parse(map) as object), 99: ['variables.f'] })),
  fc
    .constantFrom(...oddPaths)
    .map((path) => (map: string) => JSON.stringify({ ...(JSON.parse(map) as object), 0: [path] })),
  fc
    .constantFrom('"variables.f"', '["variables.f"]', 'null', '{"0":[1]}', '{"0":"variables.f"}', '{"0": [', '')
    .map((text) => () => text),
);

/** Changes the operations: broken JSON, not an object, a batch, variables of the wrong type. */
const operationsMutation: fc.Arbitrary<(operations: string) => string> = fc.oneof(
  { weight: 40, arbitrary: fc.constant((operations: string) => operations) },
  fc.nat().map((cut) => (operations: string) => operations.slice(0, cut % operations.length)),
  fc.constantFrom('"mutation"', '[]', 'null', '{"query": 5}', '{}').map((text) => () => text),
  fc.constant((operations: string) => `[${operations},${operations}]`),
  fc.constant((operations: string) => operations.replace(/"s":\d+/, '"s":"x"')),
);

/** Changes one part's header lines. */
const headerMutation: fc.Arbitrary<(part: RawPart) => RawPart> = fc.oneof(
  { weight: 40, arbitrary: fc.constant((part: RawPart) => part) },
  fc.constant((part: RawPart) => ({ ...part, headers: Buffer.concat([Buffer.from('NoColonHere\r\n'), part.headers]) })),
  fc.constant((part: RawPart) => ({ ...part, headers: Buffer.from('Content-Type: application/octet-stream') })),
  byteValues.map((byte) => (part: RawPart) => ({
    ...part,
    headers: Buffer.concat([part.headers, Buffer.from([byte])]),
  })),
  fc.constant((part: RawPart) => ({
    ...part,
    headers: Buffer.concat([part.headers, Buffer.from(`\r\nX-Padding: ${'p'.repeat(17_000)}`)]),
  })),
);

/** Changes the order of the parts, drops or repeats one. */
const partsMutation: fc.Arbitrary<(parts: RawPart[]) => RawPart[]> = fc.oneof(
  { weight: 40, arbitrary: fc.constant((parts: RawPart[]) => parts) },
  fc.constant((parts: RawPart[]) => [...parts].reverse()),
  fc.nat().map((index) => (parts: RawPart[]) => parts.filter((_, at) => at !== index % parts.length)),
  fc.nat().map((index) => (parts: RawPart[]) => [...parts, parts[index % parts.length]!]),
);

/** Changes the bytes of the serialized body: flips, inserts, deletes, truncation. */
const bodyMutation: fc.Arbitrary<(body: Buffer) => Buffer> = fc.oneof(
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 }))
    .map(([at, mask]) => (body: Buffer) => {
      const copy = Buffer.from(body);
      const index = Math.min(copy.length - 1, Math.floor(at * copy.length));
      if (index >= 0) copy[index]! ^= mask;
      return copy;
    }),
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 16 }))
    .map(([at, bytes]) => (body: Buffer) => {
      const index = Math.floor(at * body.length);
      return Buffer.concat([body.subarray(0, index), bytes, body.subarray(index)]);
    }),
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 400 }))
    .map(([at, length]) => (body: Buffer) => {
      const index = Math.floor(at * body.length);
      return Buffer.concat([body.subarray(0, index), body.subarray(index + length)]);
    }),
  fc
    .double({ min: 0, max: 1, noNaN: true })
    .map((at) => (body: Buffer) => body.subarray(0, Math.floor(at * body.length))),
);

const contentTypes = fc.oneof(
  { weight: 25, arbitrary: fc.constant(`multipart/form-data; boundary=${boundary}`) },
  fc.constantFrom(
    `multipart/form-data; boundary="${boundary}"`,
    'multipart/form-data; boundary=other',
    'multipart/form-data',
    'multipart/form-data; charset=utf-8',
    `multipart/form-data; boundary=${boundary}x`,
  ),
);

function serialize(request: RequestModel, mutateHeader: (part: RawPart) => RawPart, partIndex: number): RawPart[] {
  const parts = [
    fieldPart('operations', request.operations),
    fieldPart('map', request.map),
    ...request.files.map((file) => filePart(file.name, file.dispositionTail, file.content)),
  ];
  return parts.map((part, index) => (index === partIndex % parts.length ? mutateHeader(part) : part));
}

const mutatedBodies = fc
  .record({
    request: validRequests,
    operations: operationsMutation,
    map: mapMutation,
    header: headerMutation,
    headerOfPart: fc.nat(),
    parts: partsMutation,
    bytes: fc.option(bodyMutation, { freq: 5 }),
    contentType: contentTypes,
  })
  .map(({ request, operations, map, header, headerOfPart, parts, bytes, contentType }) => {
    const parsedMapSafe = (text: string) => {
      try {
        return map(text);
      } catch {
        return text;
      }
    };
    const mutated = { ...request, operations: operations(request.operations), map: parsedMapSafe(request.map) };
    const body = rawMultipartBody(parts(serialize(mutated, header, headerOfPart)));
    return { body: bytes === null ? body : bytes(body), contentType };
  });

const randomBodies = fc.record({
  body: fc.oneof(
    fc.uint8Array({ maxLength: 4000 }).map((bytes) => Buffer.from(bytes)),
    fc.uint8Array({ maxLength: 4000 }).map((bytes) => Buffer.concat([Buffer.from(`--${boundary}\r\n`), bytes])),
    fc
      .array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 })
      .map((chunks) => Buffer.concat(chunks.flatMap((chunk) => [Buffer.from(`\r\n--${boundary}\r\n`), chunk]))),
  ),
  contentType: contentTypes,
});

// ---- the properties ------------------------------------------------------------------------

function spoolEntries(): string[] {
  const spool = join(directory, 'artifacts', '.spool');
  return existsSync(spool) ? readdirSync(spool) : [];
}

/** Collects every `artifactId` under `value`. */
function collectArtifactIds(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if (typeof record.artifactId === 'string') reportedArtifactIds.add(record.artifactId);
  for (const child of Object.values(record)) collectArtifactIds(child);
}

async function sendAndCheck({ body, contentType }: { body: Buffer; contentType: string }): Promise<void> {
  // A rejection here (a reset, a timeout) fails the property: the body was complete.
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-graphql-yoga-csrf': '1',
      accept: 'application/graphql-response+json, application/json',
    },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(answerTimeoutMs),
  });
  const text = await response.text();
  figures.requests += 1;
  figures.byStatus.set(response.status, (figures.byStatus.get(response.status) ?? 0) + 1);
  expect([2, 4], `status ${response.status}: ${text.slice(0, 500)}`).toContain(Math.floor(response.status / 100));
  let answer: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // Not JSON: a plain-text 4xx, which reports no artifact.
  }
  collectArtifactIds(answer.data);
  // A masked error is a fault of the server, whatever status the answer has.
  expect(answer.errors?.map((error) => error.extensions?.code) ?? [], text.slice(0, 500)).not.toContain(
    'INTERNAL_SERVER_ERROR',
  );
  // Files no field took are removed just after their answer; nothing else stays in the spool.
  await waitUntil(() => spoolEntries().length === 0, 'the spool folder is empty', { timeoutMs: 5000 });
  if (figures.requests % healthCheckEvery === 0) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect(processFailures).toEqual([]);
}

it('answers thousands of mutated upload requests with 2xx or 4xx', async () => {
  await fc.assert(fc.asyncProperty(mutatedBodies, sendAndCheck), { ...mutatedRuns, markInterruptAsFailure: false });
});

it('answers thousands of random multipart bodies with 2xx or 4xx', async () => {
  await fc.assert(fc.asyncProperty(randomBodies, sendAndCheck), { ...randomRuns, markInterruptAsFailure: false });
});

it('is still up, and kept exactly the artifacts it reported, nothing else', async () => {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const databasePath = join(directory, 'optuna.db');
  const storeFolder = join(directory, 'artifacts');
  // Files no field took are removed just after their answer.
  await waitUntil(() => leftovers(databasePath, storeFolder).temporaryFiles.length === 0, 'the spool folder is empty');
  const left = leftovers(databasePath, storeFolder);
  const reported = [...reportedArtifactIds].sort();
  expect(left.metadataKeys).toEqual(reported.map((artifactId) => `artifacts:${artifactId}`).sort());
  expect(left.storedObjects).toEqual(reported);
  expect(reported.length).toBeGreaterThan(0);
  expect(processFailures).toEqual([]);
  expect(errorLogLines).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
