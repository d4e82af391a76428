// Subscription fan-out: 1,000 SSE + 1,000 WebSocket subscribers on one server (a child
// process, so its memory is its own), ONE upload, and how long each subscriber waited for it.
//
//   npx tsx bench/fanout.ts [--quick] [--sse N] [--ws N]      (--quick: 100 + 100)
//   npm run bench -- --only fanout                             (records in BENCHMARKS.md)
//
// Each subscriber subscribes with `since` = the list cursor of a seed artifact, so the server
// replays the one seed artifact after it at once: receiving that replay proves the
// subscription is registered before the measured upload is sent. Latency = when a subscriber
// parsed the event minus the moment just before the upload request was sent; it includes the
// upload itself (a small file) and this process's own work of reading 2,000 sockets, which
// share one event loop — so it is an upper bound of what the server adds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startServerProcess, type ListeningChild } from './support/child-process.js';
import { createStudy, uploadSmallFile } from './support/graphql-client.js';
import { progress as printProgress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { residentBytes, startRssSampler } from './support/rss-sampler.js';
import { ArrivalBoard, SubscriberGroup, seedReplay } from './support/subscribers.js';
import { formatMiB, formatMs, percentile } from './support/units.js';

export interface FanoutOptions {
  /** 100 + 100 subscribers instead of 1,000 + 1,000. @default false */
  quick?: boolean;
  /** SSE subscribers. @default 1000 (100 with quick) */
  sseSubscribers?: number;
  /** WebSocket subscribers, one socket each. @default 1000 (100 with quick) */
  webSocketSubscribers?: number;
  /** Progress lines. @default stderr with elapsed time */
  progress?: (message: string) => void;
}

export interface FanoutMeasurement {
  sseSubscribers: number;
  webSocketSubscribers: number;
  /** Subscribers that received the upload's event (exactly once). */
  received: number;
  /** Subscribers that received it more than once (must be 0). */
  duplicates: number;
  uploadResponseMs: number;
  /** The first subscriber's latency: mostly the upload itself, before any fan-out. */
  minMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server VmRSS with no subscriber, with all connected, and after delivery. */
  rssIdleBytes: number;
  rssConnectedBytes: number;
  rssAfterBytes: number;
  /** Highest server RSS while the upload was delivered. */
  rssPeakBytes: number;
}

export async function measureFanout(options: FanoutOptions = {}): Promise<FanoutMeasurement> {
  const progress = options.progress ?? printProgress;
  const sseCount = options.sseSubscribers ?? (options.quick ? 100 : 1000);
  const webSocketCount = options.webSocketSubscribers ?? (options.quick ? 100 : 1000);
  const directory = await mkdtemp(join(tmpdir(), 'oag-fanout-'));
  let group: SubscriberGroup | undefined;
  let server: ListeningChild | undefined;
  try {
    server = await startServerProcess({
      databasePath: join(directory, 'optuna.db'),
      artifactDirectory: join(directory, 'artifacts'),
    });
    const studyId = await createStudy(server.url, 'fanout');
    const seed = await seedReplay(server.url, studyId);
    const rssIdleBytes = residentBytes(server.pid);

    const board = new ArrivalBoard();
    group = new SubscriberGroup(server.url, board);
    const connectStartedAt = performance.now();
    await group.connect('SSE', sseCount, seed);
    progress(`${sseCount} SSE subscribers listening`);
    await group.connect('WebSocket', webSocketCount, seed);
    progress(`${webSocketCount} WebSocket subscribers listening`);
    const { subscribers } = group;
    progress(`all ${subscribers.length} subscribed in ${((performance.now() - connectStartedAt) / 1000).toFixed(1)} s`);
    const rssConnectedBytes = residentBytes(server.pid);

    const sampler = startRssSampler(server.pid);
    const sentAt = performance.now();
    const uploaded = await uploadSmallFile(server.url, studyId, 'the-one.txt');
    const uploadResponseMs = performance.now() - sentAt;
    let deliveryError: unknown;
    await board.until(uploaded, subscribers, 'delivery').catch((error: unknown) => {
      deliveryError = error;
    });
    const rss = sampler.stop();
    const rssAfterBytes = residentBytes(server.pid);

    const latencies: number[] = [];
    let duplicates = 0;
    for (const subscriber of subscribers) {
      const times = subscriber.arrivals.get(uploaded);
      if (!times) continue;
      latencies.push(times[0]! - sentAt);
      if (times.length > 1) duplicates++;
    }
    if (deliveryError) progress(String(deliveryError));
    return {
      sseSubscribers: sseCount,
      webSocketSubscribers: webSocketCount,
      received: latencies.length,
      duplicates,
      uploadResponseMs,
      minMs: latencies.length ? Math.min(...latencies) : Number.NaN,
      p50Ms: latencies.length ? percentile(latencies, 0.5) : Number.NaN,
      p99Ms: latencies.length ? percentile(latencies, 0.99) : Number.NaN,
      maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
      rssIdleBytes,
      rssConnectedBytes,
      rssAfterBytes,
      rssPeakBytes: rss.peakBytes,
    };
  } finally {
    group?.close();
    await server?.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

/** For bench/run.ts: the measurement as result rows. */
export async function runFanoutBenchmark(options: FanoutOptions = {}): Promise<ResultRow[]> {
  const result = await measureFanout(options);
  const benchmark = `fan-out, ${result.sseSubscribers} SSE + ${result.webSocketSubscribers} WebSocket`;
  const total = result.sseSubscribers + result.webSocketSubscribers;
  return [
    {
      benchmark,
      measure: 'subscribers that received the one upload (once)',
      value: `${result.received} / ${total}, ${result.duplicates} duplicates`,
      target: `= ${total}, 0 duplicates`,
      met: result.received === total && result.duplicates === 0,
    },
    { benchmark, measure: 'delivery latency first subscriber (≈ the upload itself)', value: formatMs(result.minMs) },
    { benchmark, measure: 'delivery latency p50 (from sending the upload)', value: formatMs(result.p50Ms) },
    { benchmark, measure: 'delivery latency p99', value: formatMs(result.p99Ms) },
    { benchmark, measure: 'delivery latency max', value: formatMs(result.maxMs) },
    { benchmark, measure: 'upload response time', value: formatMs(result.uploadResponseMs) },
    {
      benchmark,
      measure: 'server RSS idle → all subscribed',
      value: `${formatMiB(result.rssIdleBytes)} → ${formatMiB(result.rssConnectedBytes)}`,
    },
    {
      benchmark,
      measure: 'server RSS peak during delivery / after',
      value: `${formatMiB(result.rssPeakBytes)} / ${formatMiB(result.rssAfterBytes)}`,
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, sse: { type: 'string' }, ws: { type: 'string' } },
  });
  const result = await measureFanout({
    quick: values.quick,
    sseSubscribers: values.sse === undefined ? undefined : Number(values.sse),
    webSocketSubscribers: values.ws === undefined ? undefined : Number(values.ws),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(
    result.received === result.sseSubscribers + result.webSocketSubscribers && result.duplicates === 0 ? 0 : 1,
  );
}
