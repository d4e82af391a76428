// Real subscription clients against a real server — the graphql-ws client (over `ws`), the
// graphql-sse client, and a bare fetch reading the event stream — each collecting what it
// receives, and helpers that wait for events (failing after a timeout) instead of sleeping.
import { vi } from 'vitest';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWebSocketClient, type Client as WebSocketClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ArtifactEventLog } from '../../src/events/artifact-event-log.js';

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
}

/** What one subscription has received so far, and a way to wait for more. */
export class Received<Item = ExecutionResult> {
  readonly items: Item[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private readonly waiters = new Set<() => void>();

  add(item: Item): void {
    this.items.push(item);
    this.wake();
  }

  fail(error: unknown): void {
    this.errors.push(error);
    this.wake();
  }

  complete(): void {
    this.completed = true;
    this.wake();
  }

  /** Resolves with everything received once there are `count` items; rejects on an error, or after `timeoutMs` saying what came. */
  async count(count: number, timeoutMs = 5000): Promise<Item[]> {
    await this.until(
      () => this.items.length >= count || this.errors.length > 0,
      timeoutMs,
      () => `expected ${count} events, got ${this.items.length}: ${JSON.stringify(this.items)}`,
    );
    if (this.items.length < count) throw new Error(`the subscription failed: ${JSON.stringify(this.errors)}`);
    return [...this.items];
  }

  /** Resolves once the subscription failed or completed. */
  async ended(timeoutMs = 5000): Promise<void> {
    await this.until(
      () => this.errors.length > 0 || this.completed,
      timeoutMs,
      () => 'the subscription did not end',
    );
  }

  private until(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(describe()));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface Subscription {
  received: Received;
  /** Ends the subscription (the client unsubscribes / disconnects). */
  close(): void;
}

/** A graphql-ws client on `ws://…/graphql`; one socket carries all its subscriptions. */
export function connectWebSocket(
  serverUrl: string,
  connectionParams?: Record<string, unknown>,
): WebSocketClient & { closeEvents: { code: number; reason: string }[] } {
  const closeEvents: { code: number; reason: string }[] = [];
  const client = createWebSocketClient({
    url: `${serverUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: {
      closed: (event) =>
        closeEvents.push({
          code: (event as { code: number }).code,
          reason: String((event as { reason: unknown }).reason),
        }),
    },
  });
  return Object.assign(client, { closeEvents });
}

export function subscribeOverWebSocket(client: WebSocketClient, request: GraphQLRequest): Subscription {
  const received = new Received();
  const dispose = client.subscribe(request, {
    next: (result) => received.add(result as ExecutionResult),
    error: (error) => received.fail(error),
    complete: () => received.complete(),
  });
  return { received, close: dispose };
}

/** The graphql-sse client, distinct-connections mode: one SSE request per subscription. */
export function subscribeOverSse(
  serverUrl: string,
  request: GraphQLRequest,
  headers: Record<string, string> = {},
): Subscription & { connected: Promise<void> } {
  const received = new Received();
  let markConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const client = createSseClient({ url: `${serverUrl}/graphql`, headers, retryAttempts: 0 });
  const dispose = client.subscribe(
    request,
    {
      next: (result) => received.add(result as ExecutionResult),
      error: (error) => received.fail(error),
      complete: () => received.complete(),
    },
    { connected: () => markConnected() },
  );
  return {
    received,
    connected,
    close: () => {
      dispose();
      client.dispose();
    },
  };
}

export interface RawEventStream extends Subscription {
  response: Response;
  /** Comment lines (`:`) seen: the server's keep-alive pings. */
  comments: () => number;
}

/**
 * Subscribes with a bare `fetch` and parses the `text/event-stream` body by hand — what a
 * browser's EventSource (GET) or a fetch-based client (POST) sees.
 */
export async function subscribeWithFetch(
  serverUrl: string,
  request: GraphQLRequest,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string> } = {},
): Promise<RawEventStream> {
  const received = new Received();
  const abort = new AbortController();
  const method = options.method ?? 'POST';
  const url = new URL(`${serverUrl}/graphql`);
  if (method === 'GET') {
    url.searchParams.set('query', request.query);
    if (request.variables) url.searchParams.set('variables', JSON.stringify(request.variables));
  }
  const response = await fetch(url, {
    method,
    headers: {
      accept: 'text/event-stream',
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: method === 'POST' ? JSON.stringify(request) : undefined,
    signal: abort.signal,
  });
  let comments = 0;
  const readStream = async () => {
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      received.add((await response.json()) as ExecutionResult);
      received.complete();
      return;
    }
    const decoder = new TextDecoder();
    let pending = '';
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = pending.indexOf('\n\n')) >= 0) {
        const block = pending.slice(0, boundary);
        pending = pending.slice(boundary + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments++;
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (event === 'next') received.add(JSON.parse(data.join('\n')) as ExecutionResult);
        if (event === 'complete') received.complete();
      }
    }
  };
  readStream().catch((error: unknown) => {
    if (!abort.signal.aborted) received.fail(error);
  });
  return { received, response, comments: () => comments, close: () => abort.abort() };
}

/**
 * The errors of a subscription the server refused before it started: over graphql-ws an
 * `error` message, with no `next` before it.
 */
export async function refusalOverWebSocket(subscription: Subscription): Promise<readonly GraphQLFormattedError[]> {
  await subscription.received.ended();
  const [errors] = subscription.received.errors;
  if (subscription.received.items.length > 0 || !Array.isArray(errors)) {
    throw new Error(
      `expected an error message, got ${JSON.stringify({ next: subscription.received.items, error: subscription.received.errors })}`,
    );
  }
  return errors as GraphQLFormattedError[];
}

/**
 * The same over SSE: the HTTP status, and the errors of the one `next` event (no data) that
 * comes before `complete`.
 */
export async function refusalOverSse(
  stream: RawEventStream,
): Promise<{ status: number; errors: readonly GraphQLFormattedError[] }> {
  await stream.received.ended();
  const [result, ...more] = stream.received.items;
  if (!stream.received.completed || result?.errors === undefined || result.data != null || more.length > 0) {
    throw new Error(`expected one next carrying errors, then complete; got ${JSON.stringify(stream.received.items)}`);
  }
  return { status: stream.response.status, errors: result.errors };
}

/** Waits until the server has `count` subscriptions listening to its event log. */
export async function untilListening(events: ArtifactEventLog, count: number): Promise<void> {
  await vi.waitFor(
    () => {
      if (events.listenerCount() !== count)
        throw new Error(`${events.listenerCount()} subscriptions listening, waiting for ${count}`);
    },
    { timeout: 5000, interval: 5 },
  );
}

/** A feed event's cursor and artifact id. */
export interface FeedEvent {
  cursor: string;
  artifactId: string;
}

/** The event of an artifactCreated or artifactDeleted subscription result (throws on errors). */
export function feedEvent(result: ExecutionResult): FeedEvent {
  if (result.errors) throw new Error(`subscription error: ${JSON.stringify(result.errors)}`);
  const data = result.data as {
    artifactCreated?: { cursor: string; artifact: { artifactId: string } };
    artifactDeleted?: { cursor: string; deleted: { artifactId: string } };
  };
  if (data.artifactCreated)
    return { cursor: data.artifactCreated.cursor, artifactId: data.artifactCreated.artifact.artifactId };
  return { cursor: data.artifactDeleted!.cursor, artifactId: data.artifactDeleted!.deleted.artifactId };
}

/** Waits for exactly `count` events and returns their artifact ids (more would show as a mismatch). */
export async function feedArtifactIds(subscription: Subscription, count: number): Promise<string[]> {
  return (await subscription.received.count(count)).map((result) => feedEvent(result).artifactId);
}
