// The bad-input corpus: every kind of malformed or hostile request the server must refuse with a
// clear 4xx answer or a GraphQL error carrying a stable code, writing nothing (no metadata row,
// no stored object, no spool or temporary file, no study or trial). One table, one server.
// Many of these are also specified case by case in test/http/*.test.ts; here they are counted
// together, as the reliability figures the issue asks for.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, type Leftovers } from '../support/leftovers.js';
import { postMultipart, uploadMultipart, type FileToUpload } from '../support/multipart.js';
import {
  fieldPart,
  filePart,
  postRawBody,
  postRawMultipart,
  rawMultipartBody,
  type RawPart,
} from '../support/raw-multipart.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/test-server.js';

/** What came back: the HTTP status, and the first GraphQL error's code and message (or the plain-text body). */
interface Answer {
  status: number;
  code?: string;
  message: string;
}

interface BadInput {
  name: string;
  send(): Promise<Answer>;
  /** The HTTP status expected (always 4xx). */
  status: number;
  /** `extensions.code` expected (any of a list); undefined for plain-text HTTP routes. */
  code?: string | string[];
  /** What the message must say, so a client (or its developer) knows what was wrong (HEAD answers have no body). */
  message?: RegExp;
}

const maxFileSize = 64 * 1024;
const maxFiles = 3;
const someUuid = '6f1c3a52-0b7e-4c1d-9a53-2d6e8b7f4a10';
const uploadOne = `mutation($studyId: Int, $file: Upload!, $filename: String, $mimetype: String, $encoding: String) {
  uploadArtifact(studyId: $studyId, file: $file, filename: $filename, mimetype: $mimetype, encoding: $encoding) { artifactId filename }
}`;
const uploadMany =
  'mutation($studyId: Int, $files: [Upload!]!) { uploadArtifacts(studyId: $studyId, files: $files) { artifactId } }';
const twoUploads =
  'mutation($a: Upload!, $b: Upload!) { a: uploadArtifact(studyId: 1, file: $a) { artifactId } b: uploadArtifact(studyId: 1, file: $b) { artifactId } }';
const notAnArtifactId = /artifact id \(a UUID\)/;
/** Operation limits are validation errors: yoga's code, or the contract's input code. */
const limitCodes = ['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'];

let server: TestServer;
let studyId: number;
const figures = { tried: 0, rejectedCleanly: 0 };

beforeAll(async () => {
  server = await startTestServer(['--max-file-size', String(maxFileSize), '--max-files', String(maxFiles)]);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "corpus") { studyId } }',
  );
  studyId = study.data!.createStudy.studyId;
  await server.graphql('mutation($s: Int!) { createTrial(studyId: $s) { trialId } }', { s: studyId });
  // One stored artifact, so "nothing written" is measured against a store that is not empty.
  const { body } = await uploadMultipart(server.url, uploadOne, { studyId, file: null }, [
    { variablePath: 'variables.file', content: Buffer.from('kept'), filename: 'kept.txt' },
  ]);
  expect(body.errors).toBeUndefined();
});

afterAll(async () => {
  await server.stop();
  console.log(`bad inputs: ${figures.tried} tried, ${figures.rejectedCleanly} rejected cleanly`);
});

// ---- ways to send -------------------------------------------------------------------------

function answerFromGraphQL(status: number, body: GraphQLResponse): Answer {
  const error = body.errors?.[0];
  return { status, code: error?.extensions?.code, message: error?.message ?? JSON.stringify(body) };
}

/** A GraphQL request as a GraphQL-over-HTTP client sends it (errors without data → 4xx). */
async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return answerFromGraphQL(response.status, (await response.json()) as GraphQLResponse);
}

/** A GET or HEAD with the path sent exactly as written (no `..` resolution, as fetch would do). */
function plainRequest(path: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}/`, { method, path }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, message: text }));
    });
    request.on('error', reject);
    request.end();
  });
}

async function upload(variables: Record<string, unknown>, files: FileToUpload[], query = uploadOne): Promise<Answer> {
  const { status, body } = await uploadMultipart(server.url, query, variables, files);
  return answerFromGraphQL(status, body);
}

const oneFile = (filename = 'file.bin', content: Buffer = randomBytes(1000)): FileToUpload[] => [
  { variablePath: 'variables.file', content, filename },
];

async function multipartForm(build: (form: FormData) => void): Promise<Answer> {
  const form = new FormData();
  build(form);
  const response = await postMultipart(server.url, form);
  return answerFromGraphQL(response.status, (await response.json()) as GraphQLResponse);
}

const operations = JSON.stringify({ query: uploadOne, variables: { studyId: 1, file: null } });

async function raw(parts: RawPart[]): Promise<Answer> {
  const { status, body } = await postRawMultipart(server.url, parts);
  return answerFromGraphQL(status, body);
}

async function rawBytes(body: Buffer, contentType?: string): Promise<Answer> {
  const answer = await postRawBody(server.url, body, contentType);
  return answerFromGraphQL(answer.status, answer.body);
}

const fileMap = '{"0":["variables.file"]}';

const rawUpload = (dispositionTail: Buffer | string): Promise<Answer> =>
  raw([
    fieldPart('operations', operations),
    fieldPart('map', fileMap),
    filePart('0', dispositionTail, randomBytes(1000)),
  ]);

/** A part whose header line has no colon: not a header at all. */
const noColonPart: RawPart = { headers: Buffer.from('NoColonHere'), body: Buffer.from('z') };
const malformedBody = { status: 400, code: 'BAD_USER_INPUT', message: /Malformed part header/ };

// ---- the corpus ---------------------------------------------------------------------------

const badRoute = { status: 400, message: notAnArtifactId };
const badId = { status: 400, code: 'BAD_USER_INPUT', message: notAnArtifactId };
const artifactQuery = 'query($id: String!) { artifact(artifactId: $id) { artifactId filename } }';
const deleteMutation = 'mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }';

function nestedTrials(levels: number): string {
  let selection = 'name';
  for (let level = 0; level < levels; level++)
    selection = `trials(first: 1) { edges { node { study { ${selection} } } } }`;
  return `{ studies(first: 1) { edges { node { ${selection} } } } }`;
}

const corpus: BadInput[] = [
  // Artifact ids in download routes: traversal, absolute, not a UUID.
  {
    name: 'route: ../../etc/passwd, percent-encoded',
    send: () => plainRequest('/artifacts/..%2F..%2Fetc%2Fpasswd'),
    ...badRoute,
  },
  {
    name: 'route: ../../optuna.db, percent-encoded',
    send: () => plainRequest('/artifacts/..%2F..%2Foptuna.db'),
    ...badRoute,
  },
  {
    name: 'route: ../../etc/passwd, raw dot segments',
    send: () => plainRequest('/artifacts/../../etc/passwd'),
    ...badRoute,
  },
  { name: 'route: absolute /etc/passwd', send: () => plainRequest('/artifacts/%2Fetc%2Fpasswd'), ...badRoute },
  {
    name: 'route: traversal on the dashboard study path',
    send: () => plainRequest('/artifacts/1/..%2F..%2Fetc%2Fpasswd'),
    ...badRoute,
  },
  {
    name: 'route: traversal as the study id',
    send: () => plainRequest(`/artifacts/..%2F..%2F/${someUuid}`),
    status: 400,
    message: /must be integers/,
  },
  { name: 'route: non-UUID id', send: () => plainRequest('/artifacts/not-a-uuid'), ...badRoute },
  { name: 'route: upper-case UUID', send: () => plainRequest(`/artifacts/${someUuid.toUpperCase()}`), ...badRoute },
  { name: 'route: UUID with a NUL byte', send: () => plainRequest(`/artifacts/${someUuid}%00`), ...badRoute },
  {
    name: 'route: invalid percent-encoding',
    send: () => plainRequest('/artifacts/%E0%A4%A'),
    status: 400,
    message: /percent-encoding/,
  },
  {
    name: 'route: HEAD with traversal',
    send: () => plainRequest('/artifacts/..%2F..%2Fetc%2Fpasswd', 'HEAD'),
    status: 400,
  },
  // Artifact ids in queries and mutations.
  {
    name: 'artifact(artifactId:) ../../etc/passwd',
    send: () => graphql(artifactQuery, { id: '../../etc/passwd' }),
    ...badId,
  },
  { name: 'artifact(artifactId:) /etc/passwd', send: () => graphql(artifactQuery, { id: '/etc/passwd' }), ...badId },
  { name: 'artifact(artifactId:) non-UUID', send: () => graphql(artifactQuery, { id: 'not-a-uuid' }), ...badId },
  { name: 'deleteArtifact ../../optuna.db', send: () => graphql(deleteMutation, { id: '../../optuna.db' }), ...badId },
  { name: 'deleteArtifact /etc/passwd', send: () => graphql(deleteMutation, { id: '/etc/passwd' }), ...badId },
  { name: 'deleteArtifact non-UUID', send: () => graphql(deleteMutation, { id: 'not-a-uuid' }), ...badId },
  {
    name: 'deleteArtifact upper-case UUID',
    send: () => graphql(deleteMutation, { id: someUuid.toUpperCase() }),
    ...badId,
  },
  { name: 'deleteArtifact empty id', send: () => graphql(deleteMutation, { id: '' }), ...badId },
  // Sizes and counts.
  {
    name: 'a file one byte over --max-file-size',
    send: () => upload({ studyId: 1, file: null }, oneFile('big.bin', randomBytes(maxFileSize + 1))),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: /larger than/,
  },
  {
    name: 'one file more than --max-files',
    send: () =>
      upload(
        { studyId: 1, files: Array.from({ length: maxFiles + 1 }, () => null) },
        Array.from({ length: maxFiles + 1 }, (_, index) => ({
          variablePath: `variables.files.${index}`,
          content: randomBytes(100),
          filename: `f${index}.bin`,
        })),
        uploadMany,
      ),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: /max file uploads exceeded/,
  },
  // The multipart structure.
  {
    name: 'operations that are not JSON',
    send: () =>
      multipartForm((form) => {
        form.append('operations', '{"query": "mutation');
        form.append('map', '{}');
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /operations/,
  },
  {
    name: 'operations that are a JSON string',
    send: () => raw([fieldPart('operations', '"mutation"'), fieldPart('map', '{}')]),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /operations/,
  },
  {
    name: 'a map that is not JSON',
    send: () =>
      multipartForm((form) => {
        form.append('operations', operations);
        form.append('map', '{"0": [variables.file');
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /map/,
  },
  {
    name: 'a map pointing at nothing',
    send: () =>
      multipartForm((form) => {
        form.append('operations', operations);
        form.append('map', JSON.stringify({ 0: ['variables.nothing.deeper'] }));
        form.append('0', new Blob(['x']), 'a.txt');
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /variables\.nothing\.deeper|path/,
  },
  {
    name: 'a map pointing at __proto__',
    send: () =>
      multipartForm((form) => {
        form.append('operations', operations);
        form.append('map', JSON.stringify({ 0: ['__proto__.polluted'] }));
        form.append('0', new Blob(['x']), 'a.txt');
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /__proto__|path/,
  },
  {
    name: 'a map pointing at variables.__proto__',
    send: () =>
      multipartForm((form) => {
        form.append('operations', operations);
        form.append('map', JSON.stringify({ 0: ['variables.__proto__.polluted'] }));
        form.append('0', new Blob(['x']), 'a.txt');
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /__proto__|path/,
  },
  {
    name: 'a map pointing at constructor.prototype',
    send: () =>
      multipartForm((form) => {
        form.append('operations', operations);
        form.append('map', JSON.stringify({ 0: ['variables.constructor.prototype.polluted'] }));
        form.append('0', new Blob(['x']), 'a.txt');
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /constructor|prototype|path/,
  },
  {
    name: 'a map whose file part never comes',
    send: () => raw([fieldPart('operations', operations), fieldPart('map', '{"0":["variables.file"]}')]),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /File missing/,
  },
  {
    name: 'a file part with an empty filename',
    send: () => rawUpload('; filename=""'),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /filename is empty/,
  },
  {
    name: 'an Upload variable given as a string in a JSON request',
    send: () => graphql(uploadOne, { studyId: 1, file: 'x' }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /multipart/,
  },
  // Names and types (the explicit arguments, and the file part's own header).
  {
    name: 'CRLF in the mimetype',
    send: () => upload({ studyId: 1, file: null, mimetype: 'text/html\r\nX-Injected: 1' }, oneFile()),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /mimetype/,
  },
  {
    name: 'CRLF in the encoding',
    send: () => upload({ studyId: 1, file: null, encoding: 'gzip\r\nX-Injected: 1' }, oneFile()),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /encoding/,
  },
  {
    name: 'a filename that is only CRLF',
    send: () => upload({ studyId: 1, file: null, filename: '\r\n' }, oneFile()),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /filename is empty/,
  },
  {
    name: 'CRLF inside the filename argument',
    send: () => upload({ studyId: 1, file: null, filename: 'evil\r\nX-Injected: 1.txt' }, oneFile()),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /line breaks/,
  },
  {
    name: 'CRLF inside the file part’s RFC 5987 filename*',
    send: () => rawUpload("; filename*=UTF-8''evil%0D%0AX-Injected%3A%201.txt"),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /line breaks/,
  },
  {
    name: 'a 10 KB filename argument',
    send: () => upload({ studyId: 1, file: null, filename: `${'x'.repeat(10_000)}.txt` }, oneFile()),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /filename is longer than 255 bytes/,
  },
  {
    name: 'a 10 KB filename in the file part',
    send: () => rawUpload(`; filename="${'x'.repeat(10_000)}.bin"`),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /filename is longer than 255 bytes/,
  },
  {
    name: 'invalid UTF-8 bytes in the file part’s filename',
    send: () =>
      rawUpload(
        Buffer.concat([Buffer.from('; filename="bad-'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('.bin"')]),
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /not valid UTF-8/,
  },
  {
    name: 'invalid UTF-8 in an RFC 5987 filename*',
    send: () => rawUpload("; filename*=UTF-8''bad-%FF%FE.bin"),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /not valid UTF-8/,
  },
  {
    name: 'a lone surrogate in the filename argument',
    send: () => upload({ studyId: 1, file: null, filename: 'bad-\ud800.txt' }, oneFile()),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /not valid UTF-8/,
  },
  // Malformed multipart bodies, at every point of the body. The parser reports each as an error,
  // and as a second one once it is torn down: each used to end the server process.
  {
    name: 'a part header without a colon, before operations',
    send: () => raw([noColonPart, fieldPart('operations', operations), fieldPart('map', fileMap)]),
    ...malformedBody,
  },
  {
    name: 'a part header without a colon, in place of the map',
    send: () => raw([fieldPart('operations', operations), noColonPart]),
    ...malformedBody,
  },
  {
    name: 'a part header without a colon, in place of the file',
    send: () => raw([fieldPart('operations', operations), fieldPart('map', fileMap), noColonPart]),
    ...malformedBody,
  },
  ...(
    [
      ['NUL', 0x00],
      ['0x01', 0x01],
      ['CR', 0x0d],
      ['DEL', 0x7f],
    ] as const
  ).map(([label, byte]) => ({
    name: `a ${label} byte in the file part’s filename`,
    send: () => rawUpload(Buffer.concat([Buffer.from('; filename="a'), Buffer.from([byte]), Buffer.from('b.bin"')])),
    ...malformedBody,
  })),
  {
    name: 'a 20 KB part header',
    send: () => rawUpload(`; filename="a.bin"; padding="${'x'.repeat(20_000)}"`),
    ...malformedBody,
  },
  {
    name: 'a malformed second file part while the first is being read (uploadArtifacts)',
    send: () =>
      raw([
        fieldPart('operations', JSON.stringify({ query: uploadMany, variables: { studyId: 1, files: [null, null] } })),
        fieldPart('map', '{"0":["variables.files.0"],"1":["variables.files.1"]}'),
        filePart('0', '; filename="first.bin"', randomBytes(40_000)),
        filePart('1', Buffer.from('; filename="second\u0000.bin"'), randomBytes(1000)),
      ]),
    ...malformedBody,
  },
  {
    // busboy goes on parsing the rest of the piece after it failed: the next part it announces
    // is cut off there and would never end.
    name: 'a malformed part header, then another field’s file part in the same piece of the body',
    send: () =>
      raw([
        fieldPart('operations', JSON.stringify({ query: twoUploads, variables: { a: null, b: null } })),
        fieldPart('map', '{"0":["variables.a"],"1":["variables.b"]}'),
        filePart('0', Buffer.from('; filename="a\u0000.bin"'), randomBytes(100)),
        filePart('1', '; filename="b.bin"', randomBytes(60_000)),
      ]),
    ...malformedBody,
  },
  {
    name: 'a body that ends inside the file part',
    send: () =>
      rawBytes(
        rawMultipartBody([
          fieldPart('operations', operations),
          fieldPart('map', fileMap),
          filePart('0', '; filename="cut.bin"', randomBytes(40_000)),
        ]).subarray(0, -1000),
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /did not arrive whole: Unexpected end of form/,
  },
  {
    name: 'a body with another boundary than its Content-Type',
    send: () =>
      rawBytes(Buffer.from('--other\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--other--\r\n')),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /Unexpected end of form/,
  },
  {
    name: 'a multipart Content-Type without a boundary',
    send: () => rawBytes(rawMultipartBody([fieldPart('operations', operations)]), 'multipart/form-data; charset=utf-8'),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /Boundary not found/,
  },
  {
    name: 'a multipart body without any field',
    send: () => rawBytes(rawMultipartBody([])),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /couldn't find any files or JSON/,
  },
  // Operation limits and pagination.
  {
    name: 'studies → trials → study → trials … 20 levels deep',
    send: () => graphql(nestedTrials(20)),
    status: 400,
    code: limitCodes,
    message: /depth limit/,
  },
  {
    name: '100 aliases',
    send: () =>
      graphql(
        `{ ${Array.from({ length: 100 }, (_, index) => `a${index}: studies(first: 1) { totalCount }`).join(' ')} }`,
      ),
    status: 400,
    code: limitCodes,
    message: /Aliases limit/,
  },
  {
    name: '1000 studies × 1000 trials × 1000 artifacts (cost)',
    send: () =>
      graphql(
        '{ studies(first: 1000) { edges { node { trials(first: 1000) { edges { node { artifacts(first: 1000) { edges { node { filename } } } } } } } } } }',
      ),
    status: 400,
    code: limitCodes,
    message: /Cost limit/,
  },
  {
    name: 'fragments spreading themselves',
    send: () =>
      graphql(
        '{ studies { ...S } } fragment S on StudyConnection { edges { node { trials { ...T } } } } fragment T on TrialConnection { edges { node { study { trials { ...T } } } } }',
      ),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /within itself/,
  },
  {
    name: 'studies(first: 100000)',
    send: () => graphql('{ studies(first: 100000) { edges { node { name } } } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /at most 1000/,
  },
  {
    name: 'first: 100000 in a variable',
    send: () => graphql('query($n: Int) { artifacts(first: $n) { edges { node { filename } } } }', { n: 100_000 }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /at most 1000/,
  },
  {
    name: 'trials(last: 100000)',
    send: () =>
      graphql('query($s: Int) { study(studyId: $s) { trials(last: 100000) { edges { node { number } } } } }', { s: 1 }),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /at most 1000/,
  },
  {
    name: 'first: -1',
    send: () => graphql('{ studies(first: -1) { edges { node { name } } } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /non-negative/,
  },
  {
    name: 'a forged cursor',
    send: () => graphql('{ studies(first: 1, after: "../../etc/passwd") { edges { node { name } } } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    message: /Invalid cursor/,
  },
  {
    name: 'a mutation over GET',
    send: () =>
      plainRequest(`/graphql?query=${encodeURIComponent('mutation { createStudy(name: "via-get") { studyId } }')}`),
    status: 405,
    message: /POST/,
  },
];

// ---- what "nothing written" means --------------------------------------------------------

interface Snapshot extends Leftovers {
  studies: number;
  trials: number;
}

function snapshot(): Snapshot {
  const databasePath = join(server.directory, 'optuna.db');
  const database = new Database(databasePath, { readonly: true });
  try {
    return {
      ...leftovers(databasePath, join(server.directory, 'artifacts')),
      studies: database.prepare('SELECT count(*) FROM studies').pluck().get() as number,
      trials: database.prepare('SELECT count(*) FROM trials').pluck().get() as number,
    };
  } finally {
    database.close();
  }
}

describe('each bad input is refused with a clear 4xx or coded GraphQL error, and nothing is written', () => {
  it.each(corpus.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    figures.tried += 1;
    const before = snapshot();
    const answer = await entry.send();
    expect(answer.status, answer.message).toBe(entry.status);
    if (entry.code !== undefined) expect([entry.code].flat(), answer.message).toContain(answer.code);
    if (entry.message !== undefined) expect(answer.message).toMatch(entry.message);
    expect(snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    figures.rejectedCleanly += 1;
  });
});
