// Staged upload of one big file to S3 (s3rver): the client PUTs the parts to presigned URLs, the
// server (a child process, measured alone) only signs and completes. Compared in the same run
// with the AWS SDK's own upload of the same file (lib-storage, same part size and concurrency),
// and beside it the proxied path: the same file through the server with `curl -F`.
import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '../src/stores/s3-store.js';
import { s3rverCredentials, startS3rver } from '../test/support/s3rver.js';
import type { TestServer } from '../test/support/test-server.js';
import {
  completeStagedUpload,
  createStagedUpload,
  sendStagedBytes,
  type UploadSource,
} from '../test/support/staged-upload-client.js';
import { startListeningChild, type ListeningChild } from './support/child-process.js';
import { curl, graphqlUploadArguments } from './support/curl.js';
import { writeTestFile } from './support/files.js';
import { createStudy, postGraphQL, uploadMutation } from './support/graphql-client.js';
import { cpuSeconds } from './support/process-cpu.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { startRssSampler, type RssMeasurement } from './support/rss-sampler.js';
import { formatBytes, formatMiB, formatRate, formatSeconds, MiB } from './support/units.js';

export interface StagedUploadSettings {
  fileSize: number;
}

/** The server's default part size, and the parts in flight at once (lib-storage's default is 4). */
const partSize = 64 * MiB;
const concurrency = 4;

/** The issue's targets for the server during a staged upload. */
const targets = { throughputRatio: 0.9, serverCpuSeconds: 1, rssGrowthBytes: 16 * MiB };

interface Measured {
  seconds: number;
  serverCpuSeconds?: number;
  rss?: RssMeasurement;
}

export async function runStagedUploadBenchmark(settings: StagedUploadSettings): Promise<ResultRow[]> {
  const directory = await mkdtemp(join(tmpdir(), 'oag-bench-staged-'));
  const s3 = await startS3rver();
  // The server's AWS SDK reads its credentials from the environment it inherits.
  process.env.AWS_ACCESS_KEY_ID = s3rverCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3rverCredentials.secretAccessKey;
  const client = createS3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: s3rverCredentials });
  let server: ListeningChild | undefined;
  try {
    const source = join(directory, 'big.bin');
    progress(`writing a ${formatBytes(settings.fileSize)} source file`);
    await writeTestFile(source, settings.fileSize, 13);
    server = await startListeningChild(
      'src/main.ts',
      [
        `sqlite:///${join(directory, 'optuna.db')}`,
        ...['--artifact-store', `s3://${s3.bucket}`, '--s3-endpoint', s3.endpoint, '--s3-force-path-style'],
        ...['--staged-part-size', `${partSize}`, '--port', '0'],
      ],
      /"url":"(http:\/\/[^"]+)\/graphql"/,
    );
    const graphql = serverClient(server.url);
    const studyId = await createStudy(server.url, 'staged');

    progress('warm-up: a small staged upload and an SDK upload');
    await stagedUpload(graphql, studyId, Buffer.alloc(1024, 1));
    await sdkUpload(client, s3.bucket, createReadStream(join(directory, 'optuna.db')));

    progress(`AWS SDK upload (lib-storage, ${formatBytes(partSize)} parts × ${concurrency})`);
    const sdk = await timed(() => sdkUpload(client, s3.bucket, createReadStream(source, { highWaterMark: MiB })));

    progress('staged upload: createArtifactUpload → PUT the parts → completeArtifactUpload');
    const staged = await measuredOnServer(server.pid, () => stagedUpload(graphql, studyId, { path: source }));

    progress('proxied upload through the server (curl -F, multipart GraphQL)');
    const proxied = await measuredOnServer(server.pid, async () => {
      const transfer = await curl(graphqlUploadArguments(`${server!.url}/graphql`, uploadMutation(studyId), source));
      if (transfer.status !== 200 || transfer.body.includes('"errors"'))
        throw new Error(`proxied upload failed: ${transfer.body}`);
    });

    return resultRows(settings.fileSize, sdk, staged, proxied);
  } finally {
    await server?.stop();
    client.destroy();
    await s3.close();
    await rm(directory, { recursive: true, force: true });
  }
}

function resultRows(size: number, sdk: Measured, staged: Measured, proxied: Measured): ResultRow[] {
  const rate = (measured: Measured) => size / measured.seconds;
  const benchmark = `staged upload ${formatBytes(size)} to S3 (s3rver)`;
  const ratio = rate(staged) / rate(sdk);
  const rows: ResultRow[] = [
    {
      benchmark,
      measure: 'AWS SDK upload (same run)',
      value: `${formatSeconds(sdk.seconds)} (${formatRate(rate(sdk))})`,
    },
    { benchmark, measure: 'staged upload', value: `${formatSeconds(staged.seconds)} (${formatRate(rate(staged))})` },
    {
      benchmark,
      measure: 'staged / SDK throughput',
      value: `${ratio.toFixed(2)}×`,
      target: `≥ ${targets.throughputRatio}×`,
      met: ratio >= targets.throughputRatio,
    },
    {
      benchmark,
      measure: 'server CPU, whole staged transfer',
      value: formatSeconds(staged.serverCpuSeconds!),
      target: `< ${targets.serverCpuSeconds} s`,
      met: staged.serverCpuSeconds! < targets.serverCpuSeconds,
    },
    {
      benchmark,
      measure: 'server peak RSS growth, staged',
      value: formatMiB(staged.rss!.growthBytes),
      target: `< ${formatMiB(targets.rssGrowthBytes)}`,
      met: staged.rss!.growthBytes < targets.rssGrowthBytes,
    },
    {
      benchmark,
      measure: 'proxied upload (curl -F through the server)',
      value: `${formatSeconds(proxied.seconds)} (${formatRate(rate(proxied))}), server CPU ${formatSeconds(proxied.serverCpuSeconds!)}, RSS growth ${formatMiB(proxied.rss!.growthBytes)}`,
    },
  ];
  return rows;
}

/** The staged-upload client's view of a server: GraphQL over HTTP (errors thrown). */
function serverClient(url: string): Pick<TestServer, 'graphql'> {
  return {
    graphql: async <Data>(query: string, variables: Record<string, unknown> = {}) => ({
      data: (await postGraphQL<Data>(url, query, variables)).data,
    }),
  };
}

async function stagedUpload(server: Pick<TestServer, 'graphql'>, studyId: number, source: UploadSource): Promise<void> {
  const size = Buffer.isBuffer(source) ? source.length : statSync(source.path).size;
  const created = await createStagedUpload(server, { studyId, filename: 'checkpoint.bin', size });
  if (created.errors) throw new Error(`createArtifactUpload failed: ${JSON.stringify(created.errors)}`);
  const ticket = created.data!.createArtifactUpload;
  const sent = await sendStagedBytes(ticket, source, { concurrency });
  if (sent.refusal !== undefined) throw new Error(`the bucket refused a part: ${sent.refusal}`);
  const completed = await completeStagedUpload(server, ticket.token, ticket.parts.length > 0 ? sent.parts : undefined);
  if (completed.errors) throw new Error(`completeArtifactUpload failed: ${JSON.stringify(completed.errors)}`);
}

async function sdkUpload(
  client: ReturnType<typeof createS3Client>,
  bucket: string,
  body: NodeJS.ReadableStream,
): Promise<void> {
  await new Upload({
    client,
    params: { Bucket: bucket, Key: `sdk-${randomUUID()}`, Body: body as never },
    partSize,
    queueSize: concurrency,
  }).done();
}

async function timed(run: () => Promise<void>): Promise<Measured> {
  const started = performance.now();
  await run();
  return { seconds: (performance.now() - started) / 1000 };
}

async function measuredOnServer(pid: number, run: () => Promise<void>): Promise<Measured> {
  const cpuBefore = cpuSeconds(pid);
  const sampler = startRssSampler(pid);
  const { seconds } = await timed(run);
  return { seconds, serverCpuSeconds: cpuSeconds(pid) - cpuBefore, rss: sampler.stop() };
}
