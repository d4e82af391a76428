// `npm run bench [-- --quick]`: runs every benchmark in bench/, prints progress on stderr and a
// results table on stdout, and appends the table, with the machine and a met / not met line
// per target, to BENCHMARKS.md.
//
//   --quick                 smaller sizes, under 2 minutes (256 MiB transfers, 50 × 1 MiB uploads,
//                           100 + 100 subscribers, 3 × 100 across instances, 128 MiB S3 write);
//                           the targets are defined for the full sizes
//   --transfer-size SIZE    upload/download file (default 1GiB)      --rounds N (default 5; quick 2)
//   --trials N              listing study size (default 1000, 2 artifacts each)
//   --concurrent N --concurrent-size SIZE                            (default 50 × 10MiB)
//   --only NAMES            comma-separated: transfer,roundtrip,listing,check,concurrent,fanout,
//                           fanout-instances,s3,staged,limits,lock,startup,webpage,watch
//   --no-record             do not append to BENCHMARKS.md
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCheckBenchmark, type CheckBenchmarkOptions } from './check.js';
import { runConcurrentUploadBenchmark, type ConcurrentUploadOptions } from './concurrent-uploads.js';
import { runDatabaseLockBenchmark } from './database-lock.js';
import { runFanoutBenchmark } from './fanout.js';
import { runFanoutInstancesBenchmark } from './fanout-instances.js';
import { runOptunaRoundTripBenchmark } from './optuna-roundtrip.js';
import { runListingBenchmark, type ListingOptions } from './listing.js';
import { runQueryLimitsBenchmark } from './query-limits.js';
import { runStartupBenchmark } from './startup.js';
import { runStagedUploadBenchmark } from './staged-upload.js';
import { runTransferBenchmarks, type TransferOptions } from './transfer.js';
import { runWebPageBenchmark } from './webpage.js';
import { runWatchBenchmark } from './watch.js';
import { projectRoot } from './support/child-process.js';
import { progress } from './support/progress.js';
import {
  describeMachine,
  markdownTable,
  recordInBenchmarksFile,
  targetLines,
  type ResultRow,
} from './support/results.js';
import { runS3WriteBenchmark } from './support/s3-write-process.js';
import { formatBytes, GiB, MiB, parseByteSize } from './support/units.js';
import { redactUrlPasswords } from '../src/redact-secrets.js';

const benchmarkNames = [
  'transfer',
  'roundtrip',
  'listing',
  'check',
  'concurrent',
  'fanout',
  'fanout-instances',
  's3',
  'staged',
  'limits',
  'lock',
  'startup',
  'webpage',
  'watch',
] as const;
type BenchmarkName = (typeof benchmarkNames)[number];

interface RunSettings {
  quick: boolean;
  transfer: TransferOptions;
  listing: ListingOptions;
  check: CheckBenchmarkOptions;
  concurrent: ConcurrentUploadOptions;
  selected: ReadonlySet<BenchmarkName>;
  /** Only some benchmarks were asked for (said in the BENCHMARKS.md heading). */
  partial: boolean;
  record: boolean;
}

function settingsFromArguments(args: string[]): RunSettings {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      'transfer-size': { type: 'string' },
      rounds: { type: 'string' },
      trials: { type: 'string' },
      concurrent: { type: 'string' },
      'concurrent-size': { type: 'string' },
      only: { type: 'string' },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const integer = (text: string | undefined, fallback: number): number =>
    text === undefined ? fallback : Number.parseInt(text, 10);
  const only = values.only?.split(',').map((name) => name.trim());
  for (const name of only ?? []) {
    if (!benchmarkNames.includes(name as BenchmarkName))
      throw new Error(`--only: unknown benchmark ${name} (known: ${benchmarkNames.join(', ')})`);
  }
  return {
    quick,
    transfer: {
      fileSize: values['transfer-size'] ? parseByteSize(values['transfer-size']) : quick ? 256 * MiB : GiB,
      rounds: integer(values.rounds, quick ? 2 : 5),
    },
    listing: { trials: integer(values.trials, 1000), artifactsPerTrial: 2, warmRepeats: 20, fewTrials: 10 },
    // 100,000 artifacts (the quick run: 10,000).
    check: { trials: 1000, artifactsPerTrial: quick ? 10 : 100 },
    concurrent: {
      count: integer(values.concurrent, 50),
      fileSize: values['concurrent-size'] ? parseByteSize(values['concurrent-size']) : quick ? MiB : 10 * MiB,
    },
    selected: new Set((only ?? benchmarkNames) as BenchmarkName[]),
    partial: only !== undefined,
    record: !values['no-record'],
  };
}

/** A benchmark that throws becomes a failed row; the others still run. */
async function runSection(name: string, run: () => Promise<ResultRow[]>): Promise<ResultRow[]> {
  progress(`── ${name}`);
  try {
    return await run();
  } catch (error) {
    // A failed command's message repeats its command line, storage URL and password included.
    const shown = redactUrlPasswords(error instanceof Error ? (error.stack ?? error.message) : String(error));
    progress(`${name} FAILED: ${shown}`);
    const message = redactUrlPasswords(error instanceof Error ? error.message : String(error))
      .split('\n')[0]!
      .slice(0, 200);
    return [{ benchmark: name, measure: 'failed', value: message, target: 'runs', met: false }];
  }
}

async function main(): Promise<void> {
  const settings = settingsFromArguments(process.argv.slice(2));
  const machine = await describeMachine();
  const startedAt = new Date();
  const loadBefore = loadavg()[0]!;
  progress(
    `${settings.quick ? 'quick' : 'full'} run on Node ${machine.node}, ${machine.cpuCount} CPUs (${machine.cpuModel}), load ${loadBefore.toFixed(2)}`,
  );

  const sections: Record<BenchmarkName, [string, () => Promise<ResultRow[]>]> = {
    transfer: [
      `upload and download of ${formatBytes(settings.transfer.fileSize)}`,
      () => runTransferBenchmarks(settings.transfer),
    ],
    roundtrip: [
      `curl upload of ${formatBytes(settings.transfer.fileSize)} to each store, read by Optuna`,
      () => runOptunaRoundTripBenchmark({ fileSize: settings.transfer.fileSize }),
    ],
    listing: [`listing ${settings.listing.trials} trials`, () => runListingBenchmark(settings.listing)],
    check: [
      `check on ${settings.check.trials * settings.check.artifactsPerTrial} artifacts`,
      () => runCheckBenchmark(settings.check),
    ],
    concurrent: [
      `${settings.concurrent.count} concurrent uploads`,
      () => runConcurrentUploadBenchmark(settings.concurrent),
    ],
    fanout: ['subscription fan-out', () => runFanoutBenchmark({ quick: settings.quick, progress })],
    'fanout-instances': [
      'subscription fan-out across three instances',
      () => runFanoutInstancesBenchmark({ quick: settings.quick, progress }),
    ],
    s3: ['S3 write', () => runS3WriteBenchmark(settings.quick)],
    staged: [
      `staged upload of ${formatBytes(settings.transfer.fileSize)} to S3 vs the AWS SDK's own`,
      () => runStagedUploadBenchmark({ fileSize: settings.transfer.fileSize }),
    ],
    limits: ['huge GraphQL documents', () => runQueryLimitsBenchmark()],
    lock: [
      '/healthz under a database lock',
      () =>
        runDatabaseLockBenchmark({ lockSeconds: 8, unlockedRequests: settings.quick ? 200 : 1000, readIntervalMs: 50 }),
    ],
    startup: ['command line and server start', () => runStartupBenchmark()],
    webpage: [
      `the web page in Chromium, a study of ${settings.listing.trials} trials`,
      () =>
        runWebPageBenchmark({
          trials: settings.listing.trials,
          artifactsPerTrial: settings.listing.artifactsPerTrial,
          warmRepeats: settings.quick ? 3 : 10,
        }),
    ],
    watch: [
      'the watcher: idle looks on a large database, delivery across instances',
      () => runWatchBenchmark({ quick: settings.quick, progress }),
    ],
  };
  const rows: ResultRow[] = [];
  for (const name of benchmarkNames) {
    if (!settings.selected.has(name)) continue;
    const [title, run] = sections[name];
    rows.push(...(await runSection(title, run)));
  }

  const minutes = (Date.now() - startedAt.getTime()) / 60_000;
  const loadAfter = loadavg()[0]!;
  progress(`done in ${minutes.toFixed(1)} min, load ${loadAfter.toFixed(2)}`);
  const table = markdownTable(rows);
  process.stdout.write(`${table}\n`);

  if (settings.record) {
    const kind = `${settings.quick ? 'quick' : 'full'} run${settings.partial ? ` (only ${[...settings.selected].join(', ')})` : ''}`;
    const heading = `${startedAt.toISOString().slice(0, 16)}Z — ${kind} — Node ${machine.node}, ${machine.cpuCount} CPUs, ${machine.cpuModel}`;
    const notes = [
      `Run time ${minutes.toFixed(1)} min; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.` +
        (settings.quick ? ' Quick run: sizes are below those the targets are defined for; indicative only.' : ''),
    ];
    const body = [table, '', 'Targets:', '', ...targetLines(rows), '', ...notes].join('\n');
    await recordInBenchmarksFile(join(projectRoot, 'BENCHMARKS.md'), heading, body);
    progress('appended to BENCHMARKS.md');
  }
  // Other modules' timers (an in-process server's watcher) must not keep the run alive.
  process.exit(rows.some((row) => row.met === false) ? 1 : 0);
}

await main();
