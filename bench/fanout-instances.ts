// Subscription fan-out across instances: three server processes (the production CLI, same
// flags, `--watch-interval 1`) on one private PostgreSQL database and one artifact folder,
// 1,000 subscribers on each (500 SSE + 500 WebSocket), uploads on instance A one after another,
// and how long each subscriber waited for each: on A itself, and on B and C, which learn of
// the upload through PostgreSQL's NOTIFY.
//
//   npx tsx bench/fanout-instances.ts [--quick] [--sse N] [--ws N] [--uploads N]
//                                     (per instance; --quick: 50 + 50; 5 uploads)
//   npm run bench -- --only fanout-instances                    (records in BENCHMARKS.md)
//
// Subscribers subscribe `since` a seed artifact, so each gets the next seed replayed at once:
// that proves it is registered before anything is measured (as bench/fanout.ts). Each upload
// waits until every subscriber has it, then the next is sent. Latency = a subscriber parsing
// the event minus the moment just before the upload request was sent; "after the response"
// subtracts the upload's response time instead (negative: the event came before the response).
// Each instance's subscribers live in a client process of their own (support/subscriber-
// process.ts), so one instance's burst of events does not queue behind another's in one
// event loop; still, those clients share the machine's cores with the three servers and
// PostgreSQL, so the latencies are an upper bound of what the servers add.
// Every subscriber must get every upload exactly once: a closing upload, awaited everywhere,
// flushes any duplicate still on its way (each subscription's events arrive in order).
// Target: B and C's p99 minus A's p99, both from sending the upload, ≤ 100 ms — what crossing
// instances adds over the fan-out itself (bench/watch.ts holds one subscriber on B to 100 ms
// after the upload's response). The response is no yardstick here: A's own fan-out runs in
// the event loop that answers the upload, so A's subscribers mostly have the event before
// the response arrives, and "after the response" would subtract A's fan-out from B and C's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createPostgresDatabase, startPostgresServer } from '../test/support/postgres-server.js';

import { startServerProcess, type ListeningChild } from './support/child-process.js';
import { createStudy, uploadSmallFile } from './support/graphql-client.js';
import { progress as printProgress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { residentBytes } from './support/rss-sampler.js';
import { epochNow, startSubscriberProcess, type SubscriberProcess } from './support/subscriber-process.js';
import { seedReplay } from './support/subscribers.js';
import { formatMiB, formatMs, percentile } from './support/units.js';

export interface FanoutInstancesOptions {
  /** 50 + 50 subscribers per instance instead of 500 + 500. @default false */
  quick?: boolean;
  /** SSE subscribers per instance. @default 500 (50 with quick) */
  sseSubscribers?: number;
  /** WebSocket subscribers per instance, one socket each. @default 500 (50 with quick) */
  webSocketSubscribers?: number;
  /** Measured uploads on A, one after another. @default 5 */
  uploads?: number;
  /** Progress lines. @default stderr with elapsed time */
  progress?: (message: string) => void;
}

/** Per-subscriber latencies of every measured upload, in ms. */
interface Latencies {
  /** From just before the upload request was sent. */
  fromSending: number[];
  /** From the upload's response (negative: the event came first). */
  afterResponse: number[];
}

export interface FanoutInstancesMeasurement {
  sseSubscribers: number;
  webSocketSubscribers: number;
  /** Measured uploads sent (fewer than asked when one did not reach every subscriber). */
  uploads: number;
  /** Subscribers × uploads: the events that must arrive. */
  expected: number;
  /** Of those, arrived exactly once / more than once / never. */
  receivedOnce: number;
  duplicates: number;
  missed: number;
  /** Subscribers on A, where the uploads were sent. */
  sameInstance: Latencies;
  /** Subscribers on B and C. */
  otherInstances: Latencies;
  uploadResponseMs: number[];
  /** Server VmRSS per instance with no subscriber and with all of its subscribers connected. */
  rss: { instance: string; idleBytes: number; connectedBytes: number }[];
}

const instanceNames = ['A', 'B', 'C'] as const;

export async function measureFanoutInstances(
  options: FanoutInstancesOptions = {},
): Promise<FanoutInstancesMeasurement> {
  const progress = options.progress ?? printProgress;
  const sse = options.sseSubscribers ?? (options.quick ? 50 : 500);
  const webSocket = options.webSocketSubscribers ?? (options.quick ? 50 : 500);
  const uploadCount = options.uploads ?? 5;
  const postgres = await startPostgresServer();
  const servers: ListeningChild[] = [];
  const clients: SubscriberProcess[] = [];
  let artifactFolder: string | undefined;
  try {
    artifactFolder = await mkdtemp(join(tmpdir(), 'bench-fanout-instances-'));
    const storageUrl = await createPostgresDatabase('fanout', postgres.address);
    // One after another: the first creates Optuna's tables, the others find them.
    for (const instance of instanceNames) {
      servers.push(
        await startServerProcess({
          databasePath: storageUrl,
          artifactDirectory: artifactFolder,
          extraArgs: ['--watch-interval', '1'],
        }),
      );
      progress(`instance ${instance} listening`);
    }
    const a = servers[0]!;
    const studyId = await createStudy(a.url, 'fanout-instances');
    const seed = await seedReplay(a.url, studyId);
    const idleBytes = servers.map((server) => residentBytes(server.pid));

    const connectStartedAt = performance.now();
    clients.push(...servers.map(() => startSubscriberProcess()));
    await Promise.all(clients.map((client, index) => client.connect(servers[index]!.url, seed, sse, webSocket)));
    const connectSeconds = (performance.now() - connectStartedAt) / 1000;
    progress(`${servers.length} × (${sse} SSE + ${webSocket} WebSocket) subscribed in ${connectSeconds.toFixed(1)} s`);
    const connectedBytes = servers.map((server) => residentBytes(server.pid));

    const sent: { artifactId: string; sentAt: number; returnedAt: number }[] = [];
    const awaitEverywhere = async (artifactId: string): Promise<number> =>
      (await Promise.all(clients.map((client) => client.awaitDelivery(artifactId)))).reduce((sum, n) => sum + n, 0);
    let everyUploadArrived = true;
    for (let index = 0; index < uploadCount && everyUploadArrived; index++) {
      const sentAt = epochNow();
      const artifactId = await uploadSmallFile(a.url, studyId, `measured-${index}.txt`);
      sent.push({ artifactId, sentAt, returnedAt: epochNow() });
      const missing = await awaitEverywhere(artifactId);
      everyUploadArrived = missing === 0;
      progress(
        `upload ${index + 1} of ${uploadCount}: ${missing === 0 ? 'every subscriber has it' : `${missing} subscribers never got it`}`,
      );
    }
    if (everyUploadArrived) {
      const closingMissing = await awaitEverywhere(await uploadSmallFile(a.url, studyId, 'closing.txt'));
      if (closingMissing > 0) throw new Error(`the closing upload did not reach ${closingMissing} subscribers`);
    }

    const measurement: FanoutInstancesMeasurement = {
      sseSubscribers: sse,
      webSocketSubscribers: webSocket,
      uploads: sent.length,
      expected: sent.length * clients.length * (sse + webSocket),
      receivedOnce: 0,
      duplicates: 0,
      missed: 0,
      sameInstance: { fromSending: [], afterResponse: [] },
      otherInstances: { fromSending: [], afterResponse: [] },
      uploadResponseMs: sent.map(({ sentAt, returnedAt }) => returnedAt - sentAt),
      rss: instanceNames.map((instance, index) => ({
        instance,
        idleBytes: idleBytes[index]!,
        connectedBytes: connectedBytes[index]!,
      })),
    };
    const arrivalsPerInstance = await Promise.all(clients.map((client) => client.arrivals()));
    arrivalsPerInstance.forEach((arrivals, instanceIndex) => {
      const latencies = instanceIndex === 0 ? measurement.sameInstance : measurement.otherInstances;
      for (const subscriber of arrivals) {
        for (const { artifactId, sentAt, returnedAt } of sent) {
          const times = subscriber[artifactId] ?? [];
          if (times.length === 0) measurement.missed++;
          else if (times.length > 1) measurement.duplicates++;
          else measurement.receivedOnce++;
          if (times.length === 0) continue;
          latencies.fromSending.push(times[0]! - sentAt);
          latencies.afterResponse.push(times[0]! - returnedAt);
        }
      }
    });
    return measurement;
  } finally {
    for (const client of clients) await client.stop();
    for (const server of servers) await server.stop();
    await postgres.stop();
    if (artifactFolder !== undefined) await rm(artifactFolder, { recursive: true, force: true });
  }
}

/** The cross-instance cost we hold to a target: B and C's p99 over A's, both from sending the upload. */
const crossInstanceTargetMs = 100;

const summary = (values: readonly number[]): string =>
  values.length === 0
    ? 'none arrived'
    : `${formatMs(percentile(values, 0.5))} / ${formatMs(percentile(values, 0.99))} / ${formatMs(Math.max(...values))}`;

/** For bench/run.ts: the measurement as result rows. */
export async function runFanoutInstancesBenchmark(options: FanoutInstancesOptions = {}): Promise<ResultRow[]> {
  const result = await measureFanoutInstances(options);
  const perInstance = result.sseSubscribers + result.webSocketSubscribers;
  const benchmark = `fan-out across 3 instances, 3 × (${result.sseSubscribers} SSE + ${result.webSocketSubscribers} WebSocket), PostgreSQL`;
  const { sameInstance, otherInstances } = result;
  const overSameInstanceMs =
    sameInstance.fromSending.length && otherInstances.fromSending.length
      ? percentile(otherInstances.fromSending, 0.99) - percentile(sameInstance.fromSending, 0.99)
      : Number.NaN;
  const uploads = `${result.uploads} upload${result.uploads === 1 ? '' : 's'} on A`;
  const exactlyOnce = result.receivedOnce === result.expected && result.duplicates === 0 && result.missed === 0;
  if (!exactlyOnce)
    (options.progress ?? printProgress)(
      `FAILED: ${result.duplicates} events arrived more than once, ${result.missed} never arrived`,
    );
  return [
    {
      benchmark,
      measure: `events of ${uploads} received once (duplicates, missed)`,
      value: `${result.receivedOnce} / ${result.expected} (${result.duplicates}, ${result.missed})`,
      target: `= ${result.expected}, none duplicate or missed`,
      met: exactlyOnce,
    },
    {
      benchmark,
      measure: `latency from sending the upload, all ${3 * perInstance} subscribers: p50 / p99 / max`,
      value: summary([...sameInstance.fromSending, ...otherInstances.fromSending]),
    },
    {
      benchmark,
      measure: `same instance (A, ${perInstance} subscribers): p50 / p99 / max`,
      value: summary(sameInstance.fromSending),
    },
    {
      benchmark,
      measure: `other instances (B and C via NOTIFY, ${2 * perInstance}): p50 / p99 / max`,
      value: summary(otherInstances.fromSending),
    },
    {
      benchmark,
      measure: 'after the upload response (< 0: before it), same instance: p50 / p99 / max',
      value: summary(sameInstance.afterResponse),
    },
    {
      benchmark,
      measure: 'after the upload response, other instances: p50 / p99 / max',
      value: summary(otherInstances.afterResponse),
    },
    {
      benchmark,
      measure: 'other instances p99 − same instance p99 (from sending the upload)',
      value: formatMs(overSameInstanceMs),
      target: `≤ ${crossInstanceTargetMs} ms`,
      met: overSameInstanceMs <= crossInstanceTargetMs,
    },
    {
      benchmark,
      measure: `upload response time: p50 / max of ${result.uploads}`,
      value: result.uploadResponseMs.length
        ? `${formatMs(percentile(result.uploadResponseMs, 0.5))} / ${formatMs(Math.max(...result.uploadResponseMs))}`
        : 'none',
    },
    ...result.rss.map(({ instance, idleBytes, connectedBytes }) => ({
      benchmark,
      measure: `server ${instance} RSS idle → ${perInstance} subscribed`,
      value: `${formatMiB(idleBytes)} → ${formatMiB(connectedBytes)}`,
    })),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      sse: { type: 'string' },
      ws: { type: 'string' },
      uploads: { type: 'string' },
    },
  });
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const rows = await runFanoutInstancesBenchmark({
    quick: values.quick,
    sseSubscribers: number(values.sse),
    webSocketSubscribers: number(values.ws),
    uploads: number(values.uploads),
  });
  for (const row of rows) {
    const target = row.target === undefined ? '' : ` (target ${row.target}: ${row.met ? 'met' : 'NOT MET'})`;
    process.stdout.write(`${row.measure}: ${row.value}${target}\n`);
  }
  process.exit(rows.some((row) => row.met === false) ? 1 : 0);
}
