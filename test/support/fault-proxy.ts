// An HTTP proxy for tests that sits in front of a real server (s3rver) and, following a
// policy, passes requests through, answers with an error status, or resets the connection.
// It records every request, so tests can count exactly what a client sent.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An answer instead of the real one: an HTTP status, a TCP reset, or none at all — `'hang'`
 * reads the request and holds it unanswered, never forwarded, until the client or the proxy
 * closes the connection (a request in flight at the moment a client crashes).
 */
export type Fault = { status: number; retryAfterSeconds?: number } | 'reset' | 'hang';

export interface ProxiedRequest {
  /** 0-based position among all requests the proxy received. */
  index: number;
  method: string;
  /** Path and query, as sent. */
  url: string;
}

export interface RecordedRequest extends ProxiedRequest {
  fault?: Fault;
}

/** Decides, per request, whether to inject a fault (undefined = pass through). */
export type FaultPolicy = (request: ProxiedRequest) => Fault | undefined;

export const passThrough: FaultPolicy = () => undefined;

/** Every request is answered with `status`, as an S3 error. */
export function answerStatus(status: number): FaultPolicy {
  return () => ({ status });
}

/** Fails a fraction `rate` of requests, each time with a fault picked from `faults`. */
export function failRandomly(options: { rate: number; random: () => number; faults?: Fault[] }): FaultPolicy {
  const faults = options.faults ?? [{ status: 503 }, 'reset'];
  return () => {
    if (options.random() >= options.rate) return undefined;
    return faults[Math.floor(options.random() * faults.length)];
  };
}

/** Injects `fault` into the first `times` requests that match, then passes everything. */
export function failFirstMatching(matches: (request: ProxiedRequest) => boolean, fault: Fault, times = 1): FaultPolicy {
  let remaining = times;
  return (request) => {
    if (remaining <= 0 || !matches(request)) return undefined;
    remaining--;
    return fault;
  };
}

/** A small seeded PRNG (mulberry32), so a fault sequence is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`, to use as the client's endpoint. */
  endpoint: string;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  requestCount(): number;
  faultCount(): number;
  setPolicy(policy: FaultPolicy): void;
  /** Forgets the recorded requests (the policy stays). */
  clearRecord(): void;
  close(): Promise<void>;
}

const s3ErrorCodes: Record<number, string> = {
  403: 'AccessDenied',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export async function startFaultProxy(target: string, initialPolicy: FaultPolicy = passThrough): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const upstreamAgent = new Agent({ keepAlive: true });
  let policy = initialPolicy;
  let requests: RecordedRequest[] = [];
  let received = 0;

  const server = createServer((request, response) => {
    const proxied: ProxiedRequest = { index: received++, method: request.method ?? 'GET', url: request.url ?? '/' };
    const fault = policy(proxied);
    requests.push(fault === undefined ? proxied : { ...proxied, fault });
    if (fault === 'reset') resetConnection(request);
    else if (fault === 'hang') request.resume();
    else if (fault !== undefined) answerWithError(request, response, fault);
    else forward(request, response);
  });

  function forward(request: IncomingMessage, response: ServerResponse): void {
    // This server already answered any `Expect: 100-continue`; the upstream must not wait for one.
    const { expect: _expect, ...headers } = request.headers;
    const upstream = httpRequest({
      host: targetUrl.hostname,
      port: targetUrl.port,
      method: request.method,
      path: request.url,
      headers,
      agent: upstreamAgent,
    });
    upstream.on('response', (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      // Send the head now, as the upstream did, even if its body then breaks off.
      response.flushHeaders();
      upstreamResponse.pipe(response);
      upstreamResponse.on('error', () => response.destroy());
    });
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else response.writeHead(502).end();
    });
    request.on('error', () => upstream.destroy());
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  }

  // A reset in the middle of the upload when there is a body, like a dropped connection.
  function resetConnection(request: IncomingMessage): void {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      request.socket.resetAndDestroy();
      return;
    }
    request.once('data', () => request.socket.resetAndDestroy());
    request.once('end', () => request.socket.resetAndDestroy());
  }

  // The body is read to the end first, as a real server would, so the client sees the status
  // rather than a broken pipe.
  function answerWithError(
    request: IncomingMessage,
    response: ServerResponse,
    fault: { status: number; retryAfterSeconds?: number },
  ): void {
    request.resume();
    request.on('end', () => {
      const code = s3ErrorCodes[fault.status] ?? 'InjectedFault';
      const body =
        request.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`;
      response.writeHead(fault.status, {
        'Content-Type': 'application/xml',
        'Content-Length': Buffer.byteLength(body),
        ...(fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) }),
      });
      response.end(body);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    requestCount: () => requests.length,
    faultCount: () => requests.filter((request) => request.fault !== undefined).length,
    setPolicy(next) {
      policy = next;
    },
    clearRecord() {
      requests = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      upstreamAgent.destroy();
    },
  };
}
