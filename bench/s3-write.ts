// Benchmark: writes one large spool file through Backoff + S3ArtifactStore to s3rver and
// reports the writer's peak RSS growth, which must stay bounded whatever the file size.
//
//   npx tsx bench/s3-write.ts [--size 1GiB] [--quick] [--part-size 8MiB] [--queue-size 2]
//   (--quick = 128 MiB; part and queue sizes default to the store's defaults)
//
// s3rver runs in a child process (this file with --serve-s3rver) so that only the writer's
// memory is measured. Exits 1 when the growth exceeds the 128 MiB budget.
import { spawn } from 'node:child_process';
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Backoff } from '../src/stores/backoff.js';
import { S3ArtifactStore } from '../src/stores/s3-store.js';
import { s3rverCredentials, startS3rver } from '../test/support/s3rver.js';

const MiB = 1024 * 1024;
const rssBudgetBytes = 128 * MiB;

interface S3rverAddress {
  endpoint: string;
  bucket: string;
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?$/i.exec(text.trim());
  if (!match) throw new Error(`--size: expected e.g. 1GiB or 512MiB, got ${JSON.stringify(text)}`);
  const unit = (match[2] ?? 'B').toLowerCase();
  const multiplier = { b: 1, kib: 1024, mib: MiB, gib: 1024 * MiB }[unit] ?? 1;
  return Math.round(Number(match[1]) * multiplier);
}

interface BenchmarkSettings {
  size: number;
  partSize?: number;
  queueSize?: number;
}

function settingsFromArguments(args: string[]): BenchmarkSettings {
  const valueOf = (flag: string): string | undefined => {
    const index = args.indexOf(flag);
    return index === -1 ? undefined : (args[index + 1] ?? '');
  };
  const size = args.includes('--quick') ? 128 * MiB : parseSize(valueOf('--size') ?? '1GiB');
  const partSize = valueOf('--part-size');
  const queueSize = valueOf('--queue-size');
  return {
    size,
    ...(partSize === undefined ? {} : { partSize: parseSize(partSize) }),
    ...(queueSize === undefined ? {} : { queueSize: Number(queueSize) }),
  };
}

/** Child role: start s3rver, print its address as one JSON line, stop when stdin closes. */
async function serveS3rver(): Promise<void> {
  const server = await startS3rver();
  process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, bucket: server.bucket })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

async function startS3rverProcess(): Promise<{ address: S3rverAddress; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve-s3rver'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`s3rver process exited with ${code}`)));
  });
  return {
    address: JSON.parse(firstLine) as S3rverAddress,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** Random bytes through one reused 1 MiB buffer, so making the file costs no memory. */
function writeSpoolFile(path: string, size: number): string {
  const buffer = Buffer.alloc(MiB);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < size;) {
      const chunk = buffer.subarray(0, Math.min(MiB, size - written));
      randomFillSync(chunk);
      hash.update(chunk);
      writeSync(fd, chunk);
      written += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

async function runBenchmark({ size, ...partSettings }: BenchmarkSettings): Promise<void> {
  const s3rver = await startS3rverProcess();
  const folder = await mkdtemp(join(tmpdir(), 'bench-s3-write-'));
  const backend = new S3ArtifactStore(s3rver.address.bucket, {
    endpoint: s3rver.address.endpoint,
    forcePathStyle: true,
    credentials: s3rverCredentials,
    ...partSettings,
  });
  const store = new Backoff(backend);
  try {
    const spool = join(folder, 'spool');
    const sha256 = writeSpoolFile(spool, size);

    // Warm up: load the SDK's code paths and open a connection before the baseline.
    await writeFile(join(folder, 'warm-up'), 'warm-up');
    await store.write(randomUUID(), join(folder, 'warm-up'));

    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    const id = randomUUID();
    const started = performance.now();
    await store.write(id, spool);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());

    const readBack = createHash('sha256');
    for await (const chunk of await store.read(id)) readBack.update(chunk as Buffer);
    const intact = readBack.digest('hex') === sha256;

    const growth = peak - baseline;
    const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
    const parts = `${partSettings.partSize === undefined ? 'default' : mib(partSettings.partSize) + ' MiB'} parts, queue ${partSettings.queueSize ?? 'default'}`;
    console.log(`S3 write of ${mib(size)} MiB through Backoff to s3rver (${parts})`);
    console.log(`  time:             ${seconds.toFixed(2)} s (${mib(size / seconds)} MiB/s)`);
    console.log(`  RSS baseline:     ${mib(baseline)} MiB`);
    console.log(`  RSS peak:         ${mib(peak)} MiB`);
    console.log(`  peak RSS growth:  ${mib(growth)} MiB (budget ${mib(rssBudgetBytes)} MiB)`);
    console.log(`  read back:        ${intact ? 'sha256 identical' : 'MISMATCH'}`);
    if (!intact || growth >= rssBudgetBytes) process.exitCode = 1;
  } finally {
    backend.client.destroy();
    await rm(folder, { recursive: true, force: true });
    await s3rver.stop();
  }
}

const args = process.argv.slice(2);
if (args.includes('--serve-s3rver')) await serveS3rver();
else await runBenchmark(settingsFromArguments(args));
