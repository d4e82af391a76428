// A client of staged uploads, as an application would write one: createArtifactUpload, then PUT
// the bytes (one request, or one per part, keeping each ETag), then completeArtifactUpload. One
// code path for every store. The bytes come from a Buffer or stream from a file.
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GraphQLResponse, TestServer } from './test-server.js';

export interface UploadTicket {
  artifactId: string;
  token: string;
  expiresAt: string;
  method: string;
  url: string | null;
  headers: { name: string; value: string }[];
  parts: { partNumber: number; url: string; size: number }[];
}

export interface StagedUploadInput {
  studyId?: number;
  trialId?: number;
  filename: string;
  mimetype?: string;
  encoding?: string;
  size: number;
  sha256?: string;
}

export const createArtifactUploadMutation = `mutation($input: CreateArtifactUploadInput!) {
  createArtifactUpload(input: $input) {
    artifactId token expiresAt method url headers { name value } parts { partNumber url size }
  }
}`;

export const completeArtifactUploadMutation = `mutation($token: String!, $parts: [CompletedPartInput!]) {
  completeArtifactUpload(token: $token, parts: $parts) { artifactId filename mimetype size sha256 }
}`;

export const abortArtifactUploadMutation = 'mutation($token: String!) { abortArtifactUpload(token: $token) }';

/** The bytes to send: in memory, or a file (streamed, for big ones). */
export type UploadSource = Buffer | { path: string };

export interface SentBytes {
  /** Every part's number and ETag (one part for a single-request upload). */
  parts: { partNumber: number; etag: string }[];
  /** The error code the upload target answered with (the server's own route), or `HTTP <status>`. */
  refusal?: string;
}

export async function createStagedUpload(
  server: Pick<TestServer, 'graphql'>,
  input: StagedUploadInput,
): Promise<GraphQLResponse<{ createArtifactUpload: UploadTicket }>> {
  return server.graphql<{ createArtifactUpload: UploadTicket }>(createArtifactUploadMutation, { input });
}

/**
 * PUTs the bytes where the ticket says; with `onlyParts`, only those part numbers; with
 * `concurrency`, that many parts at once (as the AWS SDK's own uploader does).
 */
export async function sendStagedBytes(
  ticket: UploadTicket,
  source: UploadSource,
  options: { onlyParts?: number[]; concurrency?: number } = {},
): Promise<SentBytes> {
  const headers = Object.fromEntries(ticket.headers.map((header) => [header.name, header.value]));
  if (ticket.parts.length === 0) {
    const answer = await put(ticket.url!, headers, source, undefined);
    if (answer.status >= 300) return { parts: [], refusal: answer.errorCode };
    return { parts: [{ partNumber: 1, etag: answer.etag }] };
  }
  let offset = 0;
  const jobs = ticket.parts.map((part) => {
    const range = { start: offset, end: offset + part.size - 1 };
    offset += part.size;
    return { part, range };
  });
  const queue = jobs.filter(({ part }) => options.onlyParts?.includes(part.partNumber) ?? true);
  const sent: SentBytes = { parts: [] };
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined && sent.refusal === undefined; job = queue.shift()) {
      const answer = await put(job.part.url, headers, source, job.range);
      if (answer.status >= 300) sent.refusal = answer.errorCode;
      else sent.parts.push({ partNumber: job.part.partNumber, etag: answer.etag });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  sent.parts.sort((a, b) => a.partNumber - b.partNumber);
  return sent;
}

export async function completeStagedUpload(
  server: Pick<TestServer, 'graphql'>,
  token: string,
  parts?: { partNumber: number; etag: string }[],
): Promise<GraphQLResponse<{ completeArtifactUpload: CompletedArtifact }>> {
  return server.graphql<{ completeArtifactUpload: CompletedArtifact }>(completeArtifactUploadMutation, {
    token,
    ...(parts === undefined ? {} : { parts }),
  });
}

export interface CompletedArtifact {
  artifactId: string;
  filename: string;
  mimetype: string;
  size: number;
  sha256: string | null;
}

/**
 * The whole flow. Resolves with the artifact, or with the first error code met: the upload
 * target's refusal, or the completion's GraphQL error.
 */
export async function stagedUpload(
  server: Pick<TestServer, 'graphql'>,
  input: StagedUploadInput,
  source: UploadSource,
): Promise<{ ticket: UploadTicket; artifact?: CompletedArtifact; errorCode?: string }> {
  const created = await createStagedUpload(server, input);
  if (created.errors) return { ticket: undefined as never, errorCode: created.errors[0]?.extensions?.code ?? 'ERROR' };
  const ticket = created.data!.createArtifactUpload;
  const sent = await sendStagedBytes(ticket, source);
  if (sent.refusal !== undefined) return { ticket, errorCode: sent.refusal };
  const completed = await completeStagedUpload(server, ticket.token, ticket.parts.length > 0 ? sent.parts : undefined);
  if (completed.errors) return { ticket, errorCode: completed.errors[0]?.extensions?.code ?? 'ERROR' };
  return { ticket, artifact: completed.data!.completeArtifactUpload };
}

interface PutAnswer {
  status: number;
  etag: string;
  errorCode: string;
}

function put(
  url: string,
  headers: Record<string, string>,
  source: UploadSource,
  range: { start: number; end: number } | undefined,
): Promise<PutAnswer> {
  const body = bodyOf(source, range);
  return new Promise<PutAnswer>((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'PUT', headers: { ...headers, 'Content-Length': String(body.length) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let errorCode = `HTTP ${response.statusCode}`;
          try {
            errorCode =
              (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ??
              errorCode;
          } catch {
            // not our JSON: a bucket's XML error
          }
          resolve({ status: response.statusCode ?? 0, etag: String(response.headers.etag ?? ''), errorCode });
        });
      },
    );
    request.on('error', reject);
    pipeline(body.stream, request).catch(() => {
      // The target may answer (and close) before taking everything: its answer is what counts.
    });
  });
}

function bodyOf(
  source: UploadSource,
  range: { start: number; end: number } | undefined,
): { stream: Readable; length: number } {
  if (Buffer.isBuffer(source)) {
    const bytes = range === undefined ? source : source.subarray(range.start, range.end + 1);
    return { stream: Readable.from([bytes]), length: bytes.length };
  }
  const stream = createReadStream(source.path, { highWaterMark: 1024 * 1024, ...(range ?? {}) });
  return { stream, length: range === undefined ? statSync(source.path).size : range.end - range.start + 1 };
}
