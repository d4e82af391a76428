// Several instances behind a load balancer, with real parts: one PostgreSQL database, the S3
// store on s3rver, three server processes and Debian's nginx in front of them (round-robin,
// SSE and WebSocket proxied as the README configures it). Python Optuna workers write trials and
// artifacts through Optuna's own calls while clients upload through nginx; every subscriber, on
// every instance and through nginx, over SSE and WebSocket, sees every creation exactly once in
// commit order per owner; a creation cursor resumes exactly on another instance, a deletion
// cursor on the instance that handed it out (elsewhere: CURSOR_EXPIRED); kill -9 of an instance
// mid-upload loses nothing and leaves nothing half-written.
// Needs /usr/sbin/nginx (nginx-light) and /usr/bin/python3 with python3-optuna, psycopg2, boto3.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { spoolFilePrefix } from '../../src/artifacts/spool.js';
import { runConsistencyCheck } from '../support/consistency.js';
import { freshDatabase } from '../support/dialects.js';
import { startInstanceCluster, type ClusterInstance, type InstanceCluster } from '../support/instance-cluster.js';
import { uploadMultipart } from '../support/multipart.js';
import { startOptunaArtifactWorker, type WorkerArtifact } from '../support/optuna-artifact-worker.js';
import {
  connectWebSocket,
  refusalOverSse,
  refusalOverWebSocket,
  subscribeOverSse,
  subscribeOverWebSocket,
  subscribeWithFetch,
  type GraphQLRequest,
  type Received,
} from '../support/subscription-clients.js';
import type { GraphQLResponse } from '../support/test-server.js';
import { waitUntil } from '../support/wait-until.js';

const hasOptuna = inject('pythonOptuna');

const workerCount = 8;
const trialsPerWorker = 20;
/** Upload chains through nginx: the study's own artifacts and three trials', 25 uploads each, one after another per owner. */
const uploadsPerChain = 25;
const chainTrials = 3;
const creationCount = workerCount * trialsPerWorker + (chainTrials + 1) * uploadsPerChain;
/** How long a subscriber may take to see everything once the writers are done (the watch interval is 0.25 s). */
const deliveryTimeoutMs = 60_000;
/** How long the writers may take (a bound for waits that begin before they start). */
const writersTimeoutMs = 240_000;

const createdSubscription = `subscription($studyId: Int, $since: String) {
  artifactCreated(studyId: $studyId, since: $since) { cursor artifact { artifactId trial { trialId } } }
}`;
const deletedSubscription = `subscription($studyId: Int, $since: String) {
  artifactDeleted(studyId: $studyId, since: $since) { cursor deleted { artifactId trialId } }
}`;
const uploadMutation = `mutation($studyId: Int, $trialId: Int, $file: Upload!) {
  uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file) { artifactId }
}`;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** One event as a subscriber saw it: which artifact, whose (null: the study's own), and its cursor. */
interface SeenEvent {
  cursor: string;
  artifactId: string;
  trialId: number | null;
}

function seenEvent(result: ExecutionResult): SeenEvent {
  if (result.errors !== undefined) throw new Error(`an event carried errors: ${JSON.stringify(result.errors)}`);
  const data = result.data as
    | { artifactCreated: { cursor: string; artifact: { artifactId: string; trial: { trialId: number } | null } } }
    | { artifactDeleted: { cursor: string; deleted: { artifactId: string; trialId: number | null } } };
  if ('artifactCreated' in data) {
    const { cursor, artifact } = data.artifactCreated;
    return { cursor, artifactId: artifact.artifactId, trialId: artifact.trial?.trialId ?? null };
  }
  const { cursor, deleted } = data.artifactDeleted;
  return { cursor, artifactId: deleted.artifactId, trialId: deleted.trialId };
}

/** The artifact ids of `events` grouped by owner ("study" or the trial id), each in the order seen. */
function byOwner(events: readonly SeenEvent[]): Record<string, string[]> {
  const owners: Record<string, string[]> = {};
  for (const event of events) (owners[event.trialId ?? 'study'] ??= []).push(event.artifactId);
  return owners;
}

type Transport = 'sse' | 'websocket';

/** A live subscription over one transport, to one address (an instance or nginx). */
interface Subscriber {
  name: string;
  received: Received;
  events(): SeenEvent[];
  close(): void;
}

function subscribe(name: string, transport: Transport, url: string, request: GraphQLRequest): Subscriber {
  if (transport === 'sse') {
    const subscription = subscribeOverSse(url, request);
    return {
      name,
      received: subscription.received,
      events: () => subscription.received.items.map(seenEvent),
      close: subscription.close,
    };
  }
  const client = connectWebSocket(url);
  const subscription = subscribeOverWebSocket(client, request);
  return {
    name,
    received: subscription.received,
    events: () => subscription.received.items.map(seenEvent),
    close: () => {
      subscription.close();
      void client.dispose();
    },
  };
}

async function graphqlAt<Data>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<Data>;
  if (body.errors !== undefined || body.data == null) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Uploads `content` to an owner through `url`; the new artifact's id. */
async function upload(
  url: string,
  owner: { studyId: number } | { trialId: number },
  content: Uint8Array,
  filename: string,
) {
  const { status, body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    url,
    uploadMutation,
    { studyId: null, trialId: null, ...owner, file: null },
    [{ variablePath: 'variables.file', content, filename }],
  );
  if (status !== 200 || body.data == null)
    throw new Error(`upload of ${filename} answered ${status}: ${JSON.stringify(body.errors)}`);
  return body.data.uploadArtifact.artifactId;
}

async function deleteArtifact(url: string, artifactId: string): Promise<void> {
  await graphqlAt(url, 'mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }', { id: artifactId });
}

async function downloadDigest(url: string, artifactId: string): Promise<string> {
  const response = await fetch(`${url}/artifacts/${artifactId}`);
  if (response.status !== 200) throw new Error(`GET ${url}/artifacts/${artifactId} answered ${response.status}`);
  return sha256(new Uint8Array(await response.arrayBuffer()));
}

/** Runs `work` over `items` with at most `parallel` at a time. */
async function inParallel<Item>(
  items: readonly Item[],
  parallel: number,
  work: (item: Item) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Every artifact id of the study (its own and its trials'), as the listing shows it. */
async function listedArtifactIds(url: string, studyId: number): Promise<string[]> {
  const listing = await graphqlAt<{ artifacts: { totalCount: number; edges: { node: { artifactId: string } }[] } }>(
    url,
    'query($s: Int!) { artifacts(studyId: $s, first: 1000) { totalCount edges { node { artifactId } } } }',
    { s: studyId },
  );
  expect(listing.artifacts.totalCount).toBe(listing.artifacts.edges.length);
  return listing.artifacts.edges.map((edge) => edge.node.artifactId).sort();
}

/** How long each phase took, printed at the end (the file runs in CI: its cost should be visible). */
const phaseTimes: string[] = [];
let phaseStart = Date.now();
function phaseDone(phase: string): void {
  const now = Date.now();
  phaseTimes.push(`${phase} ${((now - phaseStart) / 1000).toFixed(1)} s`);
  phaseStart = now;
}

describe.skipIf(!hasOptuna)('three instances behind nginx on PostgreSQL and s3rver', () => {
  let cluster: InstanceCluster;
  let studyId: number;
  /** Every artifact that exists, with the sha256 of its bytes. */
  const stored = new Map<string, string>();
  /** The artifacts of the study's own upload chain, in commit order (deleted ones included). */
  let studyChain: string[] = [];
  /** Each instance's cursor of the closing upload (by instance index): after every creation, before any deletion. */
  const cursorsBeforeDeletions: string[] = [];
  /** The deletions of the second test, in commit order. */
  const deletions: string[] = [];

  beforeAll(async () => {
    phaseStart = Date.now();
    const database = await freshDatabase('postgresql', 'scale');
    cluster = await startInstanceCluster({
      storageUrl: database.url,
      instances: 3,
      extraArgs: [
        // As a deployment would: a staged upload started on one instance completes on another.
        '--upload-signing-key',
        'the-key-every-instance-shares',
        '--watch-interval',
        '0.25',
        '--db-pool-size',
        '4',
        '--backoff-min-delay',
        '0.01',
        '--backoff-max-delay',
        '0.2',
      ],
    });
    studyId = (
      await graphqlAt<{ createStudy: { studyId: number } }>(
        cluster.nginx.url,
        'mutation { createStudy(name: "scale") { studyId } }',
      )
    ).createStudy.studyId;
    phaseDone('PostgreSQL database, s3rver, 3 instances and nginx started');
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    console.log(`three instances behind nginx: ${phaseTimes.join('; ')}`);
  });

  test(
    `${workerCount} Python workers × ${trialsPerWorker} trials and ${(chainTrials + 1) * uploadsPerChain} uploads through nginx at once: every subscriber sees the ${creationCount} creations once, in commit order per owner; a subscriber resumes on another instance; every artifact downloads byte-identical through every instance`,
    async () => {
      const { nginx, instances } = cluster;
      const trialIds: number[] = [];
      for (let index = 0; index < chainTrials; index++) {
        const created = await graphqlAt<{ createTrial: { trialId: number } }>(
          nginx.url,
          'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
          { s: studyId },
        );
        trialIds.push(created.createTrial.trialId);
      }
      // Every subscriber starts after this marker, whenever its subscription is in place: no race with the writers.
      const marker = randomBytes(1000);
      const markerId = await upload(nginx.url, { studyId }, marker, 'marker.bin');
      stored.set(markerId, sha256(marker));
      const listed = await graphqlAt<{ artifacts: { edges: { cursor: string }[] } }>(
        instances[0]!.url,
        'query($s: Int!) { artifacts(studyId: $s, first: 1) { edges { cursor } } }',
        { s: studyId },
      );
      const since = listed.artifacts.edges[0]!.cursor;
      const request = { query: createdSubscription, variables: { studyId, since } };

      const subscribers: Subscriber[] = [];
      for (const transport of ['sse', 'websocket'] as const) {
        instances.forEach((instance, index) =>
          subscribers.push(subscribe(`${transport} on instance ${index}`, transport, instance.url, request)),
        );
        subscribers.push(subscribe(`${transport} through nginx`, transport, nginx.url, request));
      }
      // Two more disconnect after event k and resume with its cursor on the next instance.
      const resumeElsewhere = (transport: Transport, first: ClusterInstance, then: ClusterInstance, k: number) => {
        const before = subscribe(`${transport} on ${first.url}`, transport, first.url, request);
        return (async () => {
          await waitUntil(
            () => before.received.items.length >= k || before.received.errors.length > 0,
            `${before.name} has seen ${k} events`,
            { timeoutMs: writersTimeoutMs },
          );
          before.close();
          expect(before.received.errors, before.name).toEqual([]);
          const seen = before.events().slice(0, k);
          const after = subscribe(`${transport} resumed on ${then.url}`, transport, then.url, {
            query: createdSubscription,
            variables: { studyId, since: seen[k - 1]!.cursor },
          });
          return { seen, after };
        })();
      };
      const resumed = [
        resumeElsewhere('sse', instances[0]!, instances[1]!, 60),
        resumeElsewhere('websocket', instances[1]!, instances[2]!, 130),
      ];
      // Awaited once the writers are done; a failure before that is reported there.
      for (const resumption of resumed) resumption.catch(() => undefined);

      const workers = await Promise.all(
        Array.from({ length: workerCount }, () =>
          startOptunaArtifactWorker({
            url: cluster.storageUrl,
            studyName: 'scale',
            trials: trialsPerWorker,
            s3Endpoint: cluster.s3.endpoint,
            bucket: cluster.s3.bucket,
          }),
        ),
      );
      phaseDone('8 Python workers loaded');
      for (const worker of workers) worker.start();
      const uploadChain = async (owner: { studyId: number } | { trialId: number }, name: string) => {
        const ids: string[] = [];
        for (let index = 0; index < uploadsPerChain; index++) {
          const content = randomBytes(1 + Math.floor(Math.random() * 100_000));
          const artifactId = await upload(nginx.url, owner, content, `${name}-${index}.bin`);
          stored.set(artifactId, sha256(content));
          ids.push(artifactId);
        }
        return ids;
      };
      const chains = await Promise.all([
        uploadChain({ studyId }, 'study'),
        ...trialIds.map((trialId) => uploadChain({ trialId }, `trial-${trialId}`)),
      ]);
      const written: WorkerArtifact[] = (await Promise.all(workers.map((worker) => worker.artifacts))).flat();
      expect(written).toHaveLength(workerCount * trialsPerWorker);
      for (const artifact of written) stored.set(artifact.artifact_id, artifact.sha256);
      phaseDone(`${creationCount} creations written`);

      // A last upload, committed after everything: a duplicate would come before it, a gap shows as a count.
      const closing = randomBytes(1000);
      const closingId = await upload(nginx.url, { studyId }, closing, 'closing.bin');
      stored.set(closingId, sha256(closing));
      studyChain = [...chains[0]!, closingId];

      const expected: Record<string, string[]> = { study: studyChain };
      trialIds.forEach((trialId, index) => (expected[trialId] = chains[index + 1]!));
      for (const artifact of written) expected[artifact.trial_id] = [artifact.artifact_id];

      /** Whether a subscriber has had every event, so that a duplicate (before the closing upload) shows in the count. */
      const hasAll = (events: readonly SeenEvent[]) =>
        events.length >= creationCount + 1 && events.some((event) => event.artifactId === closingId);
      for (const subscriber of subscribers) {
        await waitUntil(() => hasAll(subscriber.events()), `${subscriber.name} has seen every creation`, {
          timeoutMs: deliveryTimeoutMs,
        });
        expect(subscriber.received.errors, subscriber.name).toEqual([]);
        const events = subscriber.events();
        expect(events, subscriber.name).toHaveLength(creationCount + 1);
        expect(byOwner(events), subscriber.name).toEqual(expected);
      }
      for (const resumption of resumed) {
        const { seen, after } = await resumption;
        await waitUntil(() => hasAll([...seen, ...after.events()]), `${after.name} has seen every creation`, {
          timeoutMs: deliveryTimeoutMs,
        });
        expect(after.received.errors, after.name).toEqual([]);
        const events = [...seen, ...after.events()];
        expect(events, after.name).toHaveLength(creationCount + 1);
        expect(byOwner(events), after.name).toEqual(expected);
        after.close();
      }
      instances.forEach((_, index) => {
        const direct = subscribers.find((subscriber) => subscriber.name === `sse on instance ${index}`)!;
        cursorsBeforeDeletions[index] = direct.events().find((event) => event.artifactId === closingId)!.cursor;
      });
      for (const subscriber of subscribers) subscriber.close();

      phaseDone('every subscriber had them all');
      const downloads = [...stored].flatMap(([artifactId, digest]) =>
        [...instances.map((instance) => instance.url), nginx.url].map((url) => ({ url, artifactId, digest })),
      );
      const mismatches: string[] = [];
      await inParallel(downloads, 8, async ({ url, artifactId, digest }) => {
        if ((await downloadDigest(url, artifactId)) !== digest) mismatches.push(`${url}/artifacts/${artifactId}`);
      });
      expect(mismatches).toEqual([]);
      phaseDone(`${downloads.length} downloads`);
      expect(await listedArtifactIds(nginx.url, studyId)).toEqual([...stored.keys()].sort());
    },
    writersTimeoutMs + deliveryTimeoutMs,
  );

  test('a deletion subscriber that disconnects after deletion 1 resumes exactly on the instance that handed out its cursor; another instance, which cannot prove deletions it announced in its own order, answers CURSOR_EXPIRED; the recovery DESIGN.md gives, through nginx, misses nothing', async () => {
    const { nginx, instances } = cluster;
    const remove = async (artifactId: string) => {
      await deleteArtifact(nginx.url, artifactId);
      deletions.push(artifactId);
      stored.delete(artifactId);
    };
    // Instance 1's own cursor: its replay has every deletion after it, whenever the subscription starts.
    const first = subscribe('deletions on instance 1', 'sse', instances[1]!.url, {
      query: deletedSubscription,
      variables: { studyId, since: cursorsBeforeDeletions[1] },
    });
    await remove(studyChain[0]!);
    const [deletion1] = await first.received.count(1, deliveryTimeoutMs);
    first.close();
    expect(seenEvent(deletion1!)).toMatchObject({ artifactId: studyChain[0], trialId: null });
    for (const artifactId of studyChain.slice(1, 3)) await remove(artifactId);
    const resumeRequest = { query: deletedSubscription, variables: { studyId, since: seenEvent(deletion1!).cursor } };

    const elsewhereOverSse = await refusalOverSse(await subscribeWithFetch(instances[2]!.url, resumeRequest));
    expect(elsewhereOverSse.errors.map((error) => error.extensions?.code)).toEqual(['CURSOR_EXPIRED']);
    const client = connectWebSocket(instances[2]!.url);
    try {
      const elsewhereOverWebSocket = await refusalOverWebSocket(subscribeOverWebSocket(client, resumeRequest));
      expect(elsewhereOverWebSocket.map((error) => error.extensions?.code)).toEqual(['CURSOR_EXPIRED']);
    } finally {
      await client.dispose();
    }

    const resumed = subscribe('deletions resumed on instance 1', 'websocket', instances[1]!.url, resumeRequest);
    await resumed.received.count(2, deliveryTimeoutMs);
    // The recovery: subscribe without `since` (listening once the stream's headers arrived), then refetch the list.
    const recovered = await subscribeWithFetch(nginx.url, { query: deletedSubscription, variables: { studyId } });
    expect(await listedArtifactIds(nginx.url, studyId)).toEqual([...stored.keys()].sort());
    // One more deletion, live for both.
    await remove(studyChain[3]!);
    for (const subscription of [resumed, { name: 'recovery through nginx', received: recovered.received }])
      await waitUntil(
        () => subscription.received.items.map(seenEvent).some((event) => event.artifactId === studyChain[3]),
        `${subscription.name} has seen the live deletion`,
        { timeoutMs: deliveryTimeoutMs },
      );
    resumed.close();
    recovered.close();
    expect(resumed.received.errors).toEqual([]);
    expect(resumed.events().map((event) => event.artifactId)).toEqual(studyChain.slice(1, 4));
    expect(recovered.received.items.map(seenEvent).map((event) => event.artifactId)).toEqual([studyChain[3]]);
  });

  test('kill -9 of the instance an upload streams to: the retry through nginx succeeds, nothing committed is lost, `check` is clean; the restarted instance refuses its own cursor from before the deletions with CURSOR_EXPIRED, an instance watching all along replays them', async () => {
    const { nginx, instances } = cluster;
    const content = randomBytes(4 * 1024 * 1024);
    const cut = startUnfinishedUpload(nginx.url, studyId, content.subarray(0, 2 * 1024 * 1024));
    let streamedTo: ClusterInstance | undefined;
    await waitUntil(() => {
      const spooling = spoolFiles(cluster.spoolDirectory).find((file) => file.size > 1024 * 1024);
      streamedTo = spooling === undefined ? undefined : cluster.instanceWithPid(spooling.pid);
      return streamedTo !== undefined;
    }, 'an instance has spooled 1 MiB of the upload');
    const crashedPid = streamedTo!.process.child.pid!;
    await cluster.kill9(streamedTo!);
    // nginx cannot hand a half-sent body to another instance: the client sees the upload fail.
    expect(await cut).not.toBe(200);

    const retriedId = await upload(nginx.url, { studyId }, content, 'retried.bin');
    stored.set(retriedId, sha256(content));
    await cluster.restart(streamedTo!);
    // The restart removed what the killed process had spooled.
    expect(spoolFiles(cluster.spoolDirectory).filter((file) => file.pid === crashedPid)).toEqual([]);

    for (const url of [...instances.map((instance) => instance.url), nginx.url]) {
      expect(await listedArtifactIds(url, studyId), url).toEqual([...stored.keys()].sort());
      expect(await downloadDigest(url, retriedId), url).toBe(stored.get(retriedId));
    }
    const report = await runConsistencyCheck(cluster.storeArgs(), cluster.environment);
    expect(report).toMatchObject({
      consistent: true,
      metadataRows: stored.size,
      storedObjects: stored.size,
      missingBytes: [],
      orphanedObjects: [],
    });

    // The restarted instance's own cursor from before the deletions: it never saw them, and nothing in the database records them.
    const restartedIndex = instances.indexOf(streamedTo!);
    const request = (index: number) => ({
      query: deletedSubscription,
      variables: { studyId, since: cursorsBeforeDeletions[index] },
    });
    const overSse = await refusalOverSse(await subscribeWithFetch(streamedTo!.url, request(restartedIndex)));
    expect(overSse.errors.map((error) => error.extensions?.code)).toEqual(['CURSOR_EXPIRED']);
    const client = connectWebSocket(streamedTo!.url);
    try {
      const overWebSocket = await refusalOverWebSocket(subscribeOverWebSocket(client, request(restartedIndex)));
      expect(overWebSocket.map((error) => error.extensions?.code)).toEqual(['CURSOR_EXPIRED']);
    } finally {
      await client.dispose();
    }
    // An instance that was watching all along replays them exactly from its own cursor.
    const watchingIndex = (restartedIndex + 1) % instances.length;
    const replay = subscribe(
      'deletions replayed on a watching instance',
      'sse',
      instances[watchingIndex]!.url,
      request(watchingIndex),
    );
    await replay.received.count(deletions.length, deliveryTimeoutMs);
    replay.close();
    expect(replay.events().map((event) => event.artifactId)).toEqual(deletions);
  }, 120_000);
});

/** The S3 store's spool files of every instance, with the pid their names carry. */
function spoolFiles(folder: string): { pid: number; size: number }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.startsWith(spoolFilePrefix))
    .map((name) => ({
      pid: Number(name.slice(spoolFilePrefix.length).split('-')[0]),
      size: statSync(join(folder, name)).size,
    }));
}

/**
 * Starts a multipart upload of a file and sends only `sent` of it, never finishing the body;
 * resolves with the HTTP status the client gets once the instance behind is gone (0: the
 * connection was cut without an answer).
 */
function startUnfinishedUpload(url: string, studyId: number, sent: Uint8Array): Promise<number> {
  const boundary = 'scaleBOUNDARY';
  const operations = JSON.stringify({ query: uploadMutation, variables: { studyId, trialId: null, file: null } });
  const request = httpRequest(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' },
  });
  const answered = new Promise<number>((resolve) => {
    request.once('response', (response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    request.once('error', () => resolve(0));
  });
  request.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="cut.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  request.write(sent);
  return answered;
}
