// Subscribers of a server's artifact feed for the fan-out benchmarks: SSE and graphql-ws
// clients that note when each artifact's event arrived, connected in batches proven live.
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { postGraphQL, uploadSmallFile } from './graphql-client.js';

/** How many subscribers connect at once (the listen backlog and our own event loop both like batches). */
const connectBatch = 100;
const deliveryTimeoutMs = 60_000;

const subscriptionQuery = `subscription ($studyId: Int!, $since: String!) {
  artifactCreated(studyId: $studyId, since: $since) { cursor artifact { artifactId } }
}`;

/** One subscriber's view: when each artifact's event arrived (performance.now() of this process). */
export interface Subscriber {
  arrivals: Map<string, number[]>;
  close(): void;
}

interface Waiter {
  artifactId: string;
  remaining: number;
  done: () => void;
}

/** Counts arrivals of one artifact across all subscribers, resolving when each has it. */
export class ArrivalBoard {
  private waiter: Waiter | undefined;

  record(subscriber: Subscriber, artifactId: string): void {
    const times = subscriber.arrivals.get(artifactId) ?? [];
    times.push(performance.now());
    subscriber.arrivals.set(artifactId, times);
    if (this.waiter?.artifactId === artifactId && times.length === 1 && --this.waiter.remaining === 0)
      this.waiter.done();
  }

  /** Resolves once `subscribers` all have `artifactId` (counting those that already do). */
  until(artifactId: string, subscribers: readonly Subscriber[], what: string): Promise<void> {
    const remaining = subscribers.filter((subscriber) => !subscriber.arrivals.has(artifactId)).length;
    if (remaining === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const stillWaiting = this.waiter?.remaining ?? remaining;
        this.waiter = undefined;
        reject(
          new Error(
            `${what}: ${stillWaiting} of ${subscribers.length} subscribers still waiting after ${deliveryTimeoutMs} ms`,
          ),
        );
      }, deliveryTimeoutMs);
      this.waiter = {
        artifactId,
        remaining,
        done: () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        },
      };
    });
  }
}

/** An SSE subscriber over node:http (undici's fetch would cap connections per origin). */
function connectSse(
  baseUrl: string,
  agent: Agent,
  variables: Record<string, unknown>,
  board: ArrivalBoard,
): Subscriber {
  const subscriber: Subscriber = { arrivals: new Map(), close: () => {} };
  const body = JSON.stringify({ query: subscriptionQuery, variables });
  const request = httpRequest(`${baseUrl}/graphql`, {
    method: 'POST',
    agent,
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'content-length': Buffer.byteLength(body),
    },
  });
  request.on('response', (response: IncomingMessage) => {
    if (response.statusCode !== 200) {
      response.resume();
      process.stderr.write(`SSE subscriber refused: HTTP ${response.statusCode}\n`);
      return;
    }
    response.setEncoding('utf8');
    let pending = '';
    response.on('data', (chunk: string) => {
      pending += chunk;
      let boundary: number;
      while ((boundary = pending.indexOf('\n\n')) >= 0) {
        const block = pending.slice(0, boundary);
        pending = pending.slice(boundary + 2);
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (!block.startsWith('event: next') || data === undefined) continue;
        const result = JSON.parse(data) as { data?: { artifactCreated: { artifact: { artifactId: string } } } };
        if (result.data) board.record(subscriber, result.data.artifactCreated.artifact.artifactId);
      }
    });
  });
  request.on('error', (error) => process.stderr.write(`SSE subscriber failed: ${error.message}\n`));
  request.end(body);
  subscriber.close = () => request.destroy();
  return subscriber;
}

/** A WebSocket subscriber: its own graphql-ws client and socket. */
function connectWebSocket(baseUrl: string, variables: Record<string, unknown>, board: ArrivalBoard): Subscriber {
  const client: Client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  const subscriber: Subscriber = { arrivals: new Map(), close: () => void client.dispose() };
  client.subscribe<{ artifactCreated: { artifact: { artifactId: string } } }>(
    { query: subscriptionQuery, variables },
    {
      next: (result) => {
        if (result.data) board.record(subscriber, result.data.artifactCreated.artifact.artifactId);
      },
      error: (error) => process.stderr.write(`WebSocket subscriber failed: ${JSON.stringify(error)}\n`),
      complete: () => {},
    },
  );
  return subscriber;
}

/** What subscribers subscribe with, and the artifact whose replay proves they are registered. */
export interface ReplaySeed {
  variables: { studyId: number; since: string };
  replayedArtifactId: string;
}

/**
 * Uploads two seed artifacts to the study; subscribing `since` the first replays the second at
 * once, which proves the subscription is live.
 */
export async function seedReplay(baseUrl: string, studyId: number): Promise<ReplaySeed> {
  await uploadSmallFile(baseUrl, studyId, 'seed-1.txt');
  const replayedArtifactId = await uploadSmallFile(baseUrl, studyId, 'seed-2.txt');
  const { data } = await postGraphQL<{ artifacts: { edges: { cursor: string }[] } }>(
    baseUrl,
    'query ($studyId: Int!) { artifacts(studyId: $studyId, first: 2) { edges { cursor } } }',
    { studyId },
  );
  return { variables: { studyId, since: data.artifacts.edges[1]!.cursor }, replayedArtifactId };
}

/** The subscribers of one server, connected in batches, each batch proven registered by the seed's replay. */
export class SubscriberGroup {
  readonly subscribers: Subscriber[] = [];
  private readonly agent = new Agent({ keepAlive: false, maxSockets: Infinity });

  constructor(
    private readonly baseUrl: string,
    readonly board: ArrivalBoard,
  ) {}

  async connect(kind: 'SSE' | 'WebSocket', count: number, seed: ReplaySeed): Promise<void> {
    const connectOne = (): Subscriber =>
      kind === 'SSE'
        ? connectSse(this.baseUrl, this.agent, seed.variables, this.board)
        : connectWebSocket(this.baseUrl, seed.variables, this.board);
    for (let start = 0; start < count; start += connectBatch) {
      const batch = Array.from({ length: Math.min(connectBatch, count - start) }, connectOne);
      this.subscribers.push(...batch);
      await this.board.until(seed.replayedArtifactId, batch, `${kind} subscribing`);
    }
  }

  close(): void {
    for (const subscriber of this.subscribers) subscriber.close();
    this.agent.destroy();
  }
}
