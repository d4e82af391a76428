// Upload and download of one big file through the server (child process, FileSystem store)
// against the bare Node baseline, alternating the two in the same run: throughput ratio,
// the server's peak memory growth, and sha256 of the stored and of the served bytes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { startBaselineServer, startServerProcess, type ListeningChild } from './support/child-process.js';
import { curl, graphqlUploadArguments } from './support/curl.js';
import { sha256OfFile, writeTestFile } from './support/files.js';
import { createStudy, postGraphQL, uploadMutation, type UploadedArtifact } from './support/graphql-client.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { processCounters } from './support/process-cpu.js';
import { startRssSampler, type RssMeasurement } from './support/rss-sampler.js';
import { formatBytes, formatMiB, formatRate, GiB, MiB } from './support/units.js';

export interface TransferOptions {
  /** Size of the uploaded and downloaded file. */
  fileSize: number;
  /** Baseline/server pairs per direction; the best of each side counts. */
  rounds: number;
}

export const uploadGrowthBudgetBytes = 64 * MiB;

interface Measured {
  bytesPerSecond: number;
  memory: RssMeasurement;
  /** CPU seconds (user + system, all threads) the process used per GiB moved. */
  cpuSecondsPerGiB: number;
  /** Minor page faults per GiB moved: fresh memory touched. */
  minorFaultsPerGiB: number;
}

interface Setup {
  workspace: string;
  sourcePath: string;
  sourceSha256: string;
  server: ListeningChild;
  baseline: ListeningChild;
  studyId: number;
  artifactDirectory: string;
}

/**
 * Flushes dirty pages first, so a transfer does not pay for the previous one's writeback (the
 * server fsyncs every artifact; the bare baseline does not).
 */
const flushDisks = (): void => void execFileSync('sync');

async function measure(
  child: ListeningChild,
  transfer: () => Promise<{ bytes: number; seconds: number }>,
): Promise<Measured> {
  flushDisks();
  const sampler = startRssSampler(child.pid);
  const before = processCounters(child.pid);
  const { bytes, seconds } = await transfer();
  const after = processCounters(child.pid);
  return {
    bytesPerSecond: bytes / seconds,
    memory: sampler.stop(),
    cpuSecondsPerGiB: ((after.cpuSeconds - before.cpuSeconds) * GiB) / bytes,
    minorFaultsPerGiB: ((after.minorFaults - before.minorFaults) * GiB) / bytes,
  };
}

async function uploadToServer(
  setup: Setup,
  path: string,
): Promise<{ artifact: UploadedArtifact; seconds: number; bytes: number }> {
  const result = await curl(graphqlUploadArguments(`${setup.server.url}/graphql`, uploadMutation(setup.studyId), path));
  const body = JSON.parse(result.body) as { data?: { uploadArtifact: UploadedArtifact }; errors?: unknown };
  if (result.status !== 200 || !body.data)
    throw new Error(`upload failed (${result.status}): ${result.body.slice(0, 500)}`);
  return { artifact: body.data.uploadArtifact, seconds: result.seconds, bytes: result.uploadedBytes };
}

async function uploadToBaseline(
  setup: Setup,
  path: string,
  fsync = false,
): Promise<{ seconds: number; bytes: number; file: string }> {
  // The same multipart body as the server gets; the baseline stores it as it comes.
  const url = `${setup.baseline.url}/upload${fsync ? '?fsync=1' : ''}`;
  const result = await curl(graphqlUploadArguments(url, uploadMutation(setup.studyId), path));
  if (result.status !== 200) throw new Error(`baseline upload failed (${result.status})`);
  return {
    seconds: result.seconds,
    bytes: result.uploadedBytes,
    file: (JSON.parse(result.body) as { file: string }).file,
  };
}

async function download(url: string): Promise<{ seconds: number; bytes: number }> {
  const result = await curl([url], '/dev/null');
  if (result.status !== 200) throw new Error(`download of ${url} failed (${result.status})`);
  return { seconds: result.seconds, bytes: result.downloadedBytes };
}

async function deleteArtifact(setup: Setup, artifactId: string): Promise<void> {
  await postGraphQL(setup.server.url, 'mutation ($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }', {
    id: artifactId,
  });
}

const best = (runs: Measured[]): number => Math.max(...runs.map((run) => run.bytesPerSecond));
const worstGrowth = (runs: Measured[]): number => Math.max(...runs.map((run) => run.memory.growthBytes));
const leastCpu = (runs: Measured[]): string =>
  `${Math.min(...runs.map((run) => run.cpuSecondsPerGiB)).toFixed(2)} s/GiB`;
const describe = (run: Measured): string =>
  `${formatRate(run.bytesPerSecond)}, RSS +${formatMiB(run.memory.growthBytes)}, CPU ${run.cpuSecondsPerGiB.toFixed(2)} s/GiB, ` +
  `${(run.minorFaultsPerGiB / 1000).toFixed(0)}k page faults/GiB`;

async function benchmarkUpload(
  setup: Setup,
  { fileSize, rounds }: TransferOptions,
): Promise<{ rows: ResultRow[]; artifactId: string }> {
  const serverRuns: Measured[] = [];
  const baselineRuns: Measured[] = [];
  const fsyncBaselineRuns: Measured[] = [];
  let intactCount = 0;
  let keptArtifactId = '';
  for (let round = 1; round <= rounds; round += 1) {
    const baselineRun = await measure(setup.baseline, async () => {
      const result = await uploadToBaseline(setup, setup.sourcePath);
      await rm(join(setup.workspace, result.file));
      return result;
    });
    baselineRuns.push(baselineRun);
    progress(`upload ${round}/${rounds}: baseline ${describe(baselineRun)}`);
    // Not part of the ratio: shows how much of the gap is the flush to disk the store does.
    const fsyncRun = await measure(setup.baseline, async () => {
      const result = await uploadToBaseline(setup, setup.sourcePath, true);
      await rm(join(setup.workspace, result.file));
      return result;
    });
    fsyncBaselineRuns.push(fsyncRun);
    progress(`upload ${round}/${rounds}: baseline + fsync ${describe(fsyncRun)}`);

    let uploaded: UploadedArtifact | undefined;
    const serverRun = await measure(setup.server, async () => {
      const result = await uploadToServer(setup, setup.sourcePath);
      uploaded = result.artifact;
      return result;
    });
    serverRuns.push(serverRun);
    const storedSha256 = await sha256OfFile(join(setup.artifactDirectory, uploaded!.artifactId));
    const intact =
      uploaded!.sha256 === setup.sourceSha256 && storedSha256 === setup.sourceSha256 && uploaded!.size === fileSize;
    if (intact) intactCount += 1;
    progress(
      `upload ${round}/${rounds}: server   ${describe(serverRun)}, stored sha256 ${intact ? 'identical' : 'DIFFERENT'}`,
    );
    if (keptArtifactId !== '') await deleteArtifact(setup, keptArtifactId);
    keptArtifactId = uploaded!.artifactId;
  }
  const ratio = best(serverRuns) / best(baselineRuns);
  const growth = worstGrowth(serverRuns);
  const size = formatBytes(fileSize);
  const benchmark = `upload ${size} (curl -F, multipart)`;
  return {
    artifactId: keptArtifactId,
    rows: [
      { benchmark, measure: 'server → FileSystem store, best', value: formatRate(best(serverRuns)) },
      { benchmark, measure: 'bare Node baseline, best', value: formatRate(best(baselineRuns)) },
      {
        benchmark,
        measure: 'bare Node + fsync before answering (as the store does), best',
        value: formatRate(best(fsyncBaselineRuns)),
      },
      {
        benchmark,
        measure: 'throughput ratio server / baseline',
        value: ratio.toFixed(2),
        target: '≥ 0.8',
        met: ratio >= 0.8,
      },
      {
        benchmark,
        measure: 'CPU time server / baseline / baseline + fsync (least)',
        value: `${leastCpu(serverRuns)} / ${leastCpu(baselineRuns)} / ${leastCpu(fsyncBaselineRuns)}`,
      },
      {
        benchmark,
        measure: 'server peak RSS growth (worst run)',
        value: formatMiB(growth),
        target: `≤ 64 MiB`,
        met: growth <= uploadGrowthBudgetBytes,
      },
      { benchmark, measure: 'baseline peak RSS growth (worst run)', value: formatMiB(worstGrowth(baselineRuns)) },
      {
        benchmark,
        measure: 'stored bytes sha256 = source',
        value: `${intactCount}/${rounds} identical`,
        target: 'all identical',
        met: intactCount === rounds,
      },
    ],
  };
}

async function sha256OfDownload(url: string): Promise<string> {
  const response = await fetch(url);
  const hash = createHash('sha256');
  for await (const chunk of Readable.fromWeb(response.body! as WebReadableStream)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function benchmarkDownload(
  setup: Setup,
  artifactId: string,
  { fileSize, rounds }: TransferOptions,
): Promise<ResultRow[]> {
  const serverUrl = `${setup.server.url}/artifacts/${artifactId}`;
  const baselineUrl = (chunk?: number) =>
    `${setup.baseline.url}/download?file=${encodeURIComponent(`artifacts/${artifactId}`)}${chunk === undefined ? '' : `&chunk=${chunk}`}`;
  const serverRuns: Measured[] = [];
  const baselineRuns: Measured[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const baselineRun = await measure(setup.baseline, () => download(baselineUrl(MiB)));
    baselineRuns.push(baselineRun);
    progress(`download ${round}/${rounds}: baseline ${describe(baselineRun)}`);
    const serverRun = await measure(setup.server, () => download(serverUrl));
    serverRuns.push(serverRun);
    progress(`download ${round}/${rounds}: server   ${describe(serverRun)}`);
  }
  const defaultChunkRun = await measure(setup.baseline, () => download(baselineUrl()));
  progress(`download: baseline with Node's default 64 KiB chunks ${describe(defaultChunkRun)}`);
  const intact = (await sha256OfDownload(serverUrl)) === setup.sourceSha256;
  progress(`download: served bytes sha256 ${intact ? 'identical' : 'DIFFERENT'}`);

  const ratio = best(serverRuns) / best(baselineRuns);
  const benchmark = `download ${formatBytes(fileSize)} (curl)`;
  return [
    { benchmark, measure: 'server GET /artifacts/{id}, best', value: formatRate(best(serverRuns)) },
    { benchmark, measure: 'bare Node baseline (1 MiB chunks), best', value: formatRate(best(baselineRuns)) },
    {
      benchmark,
      measure: "bare Node, Node's default 64 KiB chunks",
      value: formatRate(defaultChunkRun.bytesPerSecond),
    },
    {
      benchmark,
      measure: 'throughput ratio server / baseline',
      value: ratio.toFixed(2),
      target: '≥ 0.9',
      met: ratio >= 0.9,
    },
    {
      benchmark,
      measure: 'CPU time server / baseline (least)',
      value: `${leastCpu(serverRuns)} / ${leastCpu(baselineRuns)}`,
    },
    { benchmark, measure: 'server peak RSS growth (worst run)', value: formatMiB(worstGrowth(serverRuns)) },
    { benchmark, measure: 'baseline peak RSS growth (worst run)', value: formatMiB(worstGrowth(baselineRuns)) },
    {
      benchmark,
      measure: 'served bytes sha256 = source',
      value: intact ? 'identical' : 'DIFFERENT',
      target: 'identical',
      met: intact,
    },
  ];
}

export async function runTransferBenchmarks(options: TransferOptions): Promise<ResultRow[]> {
  const workspace = await mkdtemp(join(tmpdir(), 'bench-transfer-'));
  const started: ListeningChild[] = [];
  try {
    const sourcePath = join(workspace, 'big.bin');
    progress(`transfer: writing a ${formatBytes(options.fileSize)} source file`);
    const sourceSha256 = await writeTestFile(sourcePath, options.fileSize);
    const artifactDirectory = join(workspace, 'artifacts');
    const server = await startServerProcess({
      databasePath: join(workspace, 'optuna.db'),
      artifactDirectory,
      extraArgs: ['--max-file-size', String(Math.max(2 * GiB, options.fileSize))],
    });
    started.push(server);
    const baseline = await startBaselineServer(workspace);
    started.push(baseline);
    const studyId = await createStudy(server.url, 'bench-transfer');
    const setup: Setup = { workspace, sourcePath, sourceSha256, server, baseline, studyId, artifactDirectory };

    // Warm-up: load the upload and download code paths of both before anything is measured.
    const warmUpPath = join(workspace, 'warm-up.bin');
    await writeTestFile(warmUpPath, MiB, 1);
    const warmUp = await uploadToServer(setup, warmUpPath);
    await download(`${server.url}/artifacts/${warmUp.artifact.artifactId}`);
    await rm(join(workspace, (await uploadToBaseline(setup, warmUpPath)).file));
    await download(`${baseline.url}/download?file=warm-up.bin`);

    const upload = await benchmarkUpload(setup, options);
    const downloadRows = await benchmarkDownload(setup, upload.artifactId, options);
    return [...upload.rows, ...downloadRows];
  } finally {
    for (const child of started) await child.stop();
    await rm(workspace, { recursive: true, force: true });
  }
}
