// Subscriptions over each transport of /graphql — SSE (GET and POST, the graphql-sse client and
// a bare fetch) and WebSocket (graphql-ws) — with the same schema, limits and errors.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createGraphQLServer } from '../../src/http/graphql-handler.js';
import { attachGraphQLWebSocketServer } from '../../src/http/websocket-server.js';
import { createStudyWithTrial, startTestServer, type TestServer } from '../support/test-server.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';
import {
  connectWebSocket,
  refusalOverSse,
  refusalOverWebSocket,
  subscribeOverSse,
  subscribeOverWebSocket,
  subscribeWithFetch,
  untilListening,
} from '../support/subscription-clients.js';
import { join } from 'node:path';

const created = `subscription($studyId: Int, $trialId: Int, $since: String) {
  artifactCreated(studyId: $studyId, trialId: $trialId, since: $since) { cursor artifact { artifactId filename trial { trialId state } study { studyId } } }
}`;

let server: TestServer;
let foreign: ForeignWriter;
let studyId: number;
let trialId: number;

beforeAll(async () => {
  server = await startTestServer(['--watch-interval', '3600']);
  ({ studyId, trialId } = await createStudyWithTrial(server, 'transports'));
  foreign = openForeignWriter(join(server.directory, 'optuna.db'));
});

afterAll(async () => {
  foreign.close();
  await server.stop();
});

/** Another process writes an artifact row; the server looks at once (rather than on its timer). */
async function artifactFromElsewhere(filename: string): Promise<string> {
  const { artifactId } = foreign.addTrialArtifact(trialId, filename);
  await server.services.events.catchUp();
  return artifactId;
}

const createdArtifact = (result: { data?: unknown }) =>
  (result.data as { artifactCreated: { artifact: { artifactId: string; filename: string } } }).artifactCreated.artifact;

describe('SSE', () => {
  it('streams events to a bare fetch over POST, unbuffered, starting with a keep-alive comment', async () => {
    const stream = await subscribeWithFetch(server.url, { query: created, variables: { trialId } });
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
      await untilListening(server.services.events, 1);
      const artifactId = await artifactFromElsewhere('post.txt');
      const [event] = await stream.received.count(1);
      expect(event).toMatchObject({
        data: {
          artifactCreated: {
            artifact: { artifactId, filename: 'post.txt', trial: { trialId, state: 'RUNNING' }, study: { studyId } },
          },
        },
      });
      expect(stream.comments()).toBeGreaterThanOrEqual(1);
    } finally {
      stream.close();
    }
    await untilListening(server.services.events, 0);
  });

  it('streams events over GET (what EventSource sends)', async () => {
    const stream = await subscribeWithFetch(server.url, { query: created, variables: { studyId } }, { method: 'GET' });
    try {
      expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
      await untilListening(server.services.events, 1);
      const artifactId = await artifactFromElsewhere('get.txt');
      expect(createdArtifact((await stream.received.count(1))[0]!).artifactId).toBe(artifactId);
    } finally {
      stream.close();
    }
    await untilListening(server.services.events, 0);
  });

  it('works with the graphql-sse client', async () => {
    const subscription = subscribeOverSse(server.url, { query: created, variables: {} });
    try {
      await subscription.connected;
      await untilListening(server.services.events, 1);
      const artifactId = await artifactFromElsewhere('graphql-sse.txt');
      expect(createdArtifact((await subscription.received.count(1))[0]!).artifactId).toBe(artifactId);
    } finally {
      subscription.close();
    }
    await untilListening(server.services.events, 0);
  });

  it('answers an invalid `since` with BAD_USER_INPUT', async () => {
    const stream = await subscribeWithFetch(server.url, { query: created, variables: { since: 'garbage' } });
    const refusal = await refusalOverSse(stream);
    expect(refusal.errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    stream.close();
    expect(server.services.events.listenerCount()).toBe(0);
  });

  it('answers an unknown trial with NOT_FOUND', async () => {
    const stream = await subscribeWithFetch(server.url, { query: created, variables: { trialId: 999_999 } });
    const refusal = await refusalOverSse(stream);
    expect(refusal).toMatchObject({ status: 404, errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    stream.close();
  });
});

describe('WebSocket (graphql-ws)', () => {
  it('streams events, several subscriptions on one socket', async () => {
    const client = connectWebSocket(server.url);
    try {
      const everything = subscribeOverWebSocket(client, { query: created });
      const deletions = subscribeOverWebSocket(client, {
        query: 'subscription { artifactDeleted { cursor deleted { artifactId studyId trialId } } }',
      });
      await untilListening(server.services.events, 2);
      const artifactId = await artifactFromElsewhere('ws.txt');
      expect(createdArtifact((await everything.received.count(1))[0]!)).toMatchObject({
        artifactId,
        filename: 'ws.txt',
      });
      foreign.deleteArtifact(artifactId);
      await server.services.events.catchUp();
      expect((await deletions.received.count(1))[0]).toMatchObject({
        data: { artifactDeleted: { deleted: { artifactId, studyId, trialId } } },
      });
    } finally {
      await client.dispose();
    }
    await untilListening(server.services.events, 0);
  });

  it("resolves each event afresh: a trial's state is current, not cached from an earlier event", async () => {
    const { data } = await server.graphql<{ createTrial: { trialId: number } }>(
      'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
      { s: studyId },
    );
    const finishing = data!.createTrial.trialId;
    const client = connectWebSocket(server.url);
    try {
      const subscription = subscribeOverWebSocket(client, { query: created, variables: { trialId: finishing } });
      await untilListening(server.services.events, 1);
      foreign.addTrialArtifact(finishing, 'while-running.txt');
      await server.services.events.catchUp();
      await subscription.received.count(1);
      await server.graphql('mutation($t: Int!) { finishTrial(trialId: $t, state: COMPLETE, values: [1]) { state } }', {
        t: finishing,
      });
      foreign.addTrialArtifact(finishing, 'after-finish.txt');
      await server.services.events.catchUp();
      const states = (await subscription.received.count(2)).map(
        (result) =>
          (result.data as { artifactCreated: { artifact: { trial: { state: string } } } }).artifactCreated.artifact
            .trial.state,
      );
      expect(states).toEqual(['RUNNING', 'COMPLETE']);
    } finally {
      await client.dispose();
    }
    await untilListening(server.services.events, 0);
  });

  it('runs queries and mutations too', async () => {
    const client = connectWebSocket(server.url);
    try {
      const query = subscribeOverWebSocket(client, { query: '{ study(studyId: 1) { name } }' });
      expect(await query.received.count(1)).toEqual([{ data: { study: { name: 'transports' } } }]);
      const mutation = subscribeOverWebSocket(client, { query: 'mutation { createStudy(name: "over-ws") { name } }' });
      expect(await mutation.received.count(1)).toEqual([{ data: { createStudy: { name: 'over-ws' } } }]);
    } finally {
      await client.dispose();
    }
  });

  it('applies the operation limits and error codes of HTTP', async () => {
    const client = connectWebSocket(server.url);
    try {
      const nested = (levels: number): string =>
        levels === 0 ? 'name' : `trials { edges { node { study { ${nested(levels - 1)} } } } }`;
      const tooDeep = subscribeOverWebSocket(client, {
        query: `subscription { artifactCreated { artifact { study { ${nested(4)} } } } }`,
      });
      await tooDeep.received.ended();
      expect(String(JSON.stringify(tooDeep.received.errors))).toMatch(/depth/i);
      const badSince = subscribeOverWebSocket(client, { query: created, variables: { since: 'garbage' } });
      expect((await refusalOverWebSocket(badSince)).map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      const syntax = subscribeOverWebSocket(client, { query: 'subscription {' });
      await syntax.received.ended();
      expect(syntax.received.errors).toHaveLength(1);
    } finally {
      await client.dispose();
    }
    expect(server.services.events.listenerCount()).toBe(0);
  });

  it("refuses browser pages of other origins (WebSockets are not covered by CORS), accepts the server's own", async () => {
    const url = `${server.url.replace('http', 'ws')}/graphql`;
    const foreignPage = new WebSocket(url, 'graphql-transport-ws', { origin: 'https://evil.example' });
    const [error] = (await once(foreignPage, 'error')) as [Error];
    expect(error.message).toMatch(/403/);
    const ownPage = new WebSocket(url, 'graphql-transport-ws', { origin: server.url });
    await once(ownPage, 'open');
    ownPage.close();
  });

  it('refuses upgrades on other paths', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/elsewhere`, 'graphql-transport-ws');
    const [error] = (await once(socket, 'error')) as [Error];
    expect(error.message).toMatch(/404/);
  });
});

describe('WebSocket keep-alive', () => {
  it('pings clients, and closes every socket when the server stops', async () => {
    const services = server.services;
    const httpServer = createServer();
    const webSockets = attachGraphQLWebSocketServer(httpServer, createGraphQLServer(services), { keepAliveMs: 50 });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const { port } = httpServer.address() as { port: number };
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await once(socket, 'open');
    await once(socket, 'ping'); // `ws` answers with a pong by itself
    const closed = once(socket, 'close');
    await webSockets.close();
    const [code] = (await closed) as [number];
    expect(code).toBe(1001);
    httpServer.close();
  });
});
