// With --auth-token, subscriptions need the token: WebSocket clients present it in
// connectionParams (the connection is refused otherwise), SSE clients in the header.
import { once } from 'node:events';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';
import {
  connectWebSocket,
  subscribeOverSse,
  subscribeOverWebSocket,
  subscribeWithFetch,
  untilListening,
} from '../support/subscription-clients.js';

const token = 'subscription-secret';
const created = 'subscription { artifactCreated { cursor artifact { artifactId } } }';

let server: TestServer;
let foreign: ForeignWriter;
let studyId: number;

beforeAll(async () => {
  server = await startTestServer([
    '--auth-token',
    token,
    '--watch-interval',
    '3600',
    '--cors-origin',
    'https://dashboard.example',
  ]);
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "auth") { studyId } }',
    {},
    { authorization: `Bearer ${token}` },
  );
  studyId = study.data!.createStudy.studyId;
  foreign = openForeignWriter(join(server.directory, 'optuna.db'));
});

afterAll(async () => {
  foreign.close();
  await server.stop();
});

async function artifactFromElsewhere(): Promise<string> {
  const { artifactId } = foreign.addStudyArtifact(studyId);
  await server.services.events.catchUp();
  return artifactId;
}

describe('WebSocket with --auth-token', () => {
  it.each([
    ['no connectionParams', undefined],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['a token without "Bearer"', { authorization: token }],
  ])('refuses the connection with 4403 given %s', async (_case, connectionParams) => {
    const client = connectWebSocket(server.url, connectionParams);
    const subscription = subscribeOverWebSocket(client, { query: created });
    await subscription.received.ended();
    expect(client.closeEvents.map((event) => event.code)).toEqual([4403]);
    expect(server.services.events.listenerCount()).toBe(0);
    await client.dispose();
  });

  it.each([
    ['authorization: "Bearer TOKEN"', { authorization: `Bearer ${token}` }],
    ['authToken: "TOKEN"', { authToken: token }],
  ])('delivers events given %s', async (_case, connectionParams) => {
    const client = connectWebSocket(server.url, connectionParams);
    try {
      const subscription = subscribeOverWebSocket(client, { query: created });
      await untilListening(server.services.events, 1);
      const artifactId = await artifactFromElsewhere();
      expect(await subscription.received.count(1)).toMatchObject([
        { data: { artifactCreated: { artifact: { artifactId } } } },
      ]);
      // The token also admits mutations on the same connection.
      const name = `ws-authorized-${Object.keys(connectionParams)[0]}`;
      const mutation = subscribeOverWebSocket(client, {
        query: 'mutation($name: String!) { createStudy(name: $name) { name } }',
        variables: { name },
      });
      expect(await mutation.received.count(1)).toEqual([{ data: { createStudy: { name } } }]);
    } finally {
      await client.dispose();
    }
    await untilListening(server.services.events, 0);
  });
});

describe('WebSocket with --cors-origin', () => {
  it('accepts browser pages of a configured origin', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      origin: 'https://dashboard.example',
    });
    await once(socket, 'open');
    socket.close();
  });
});

describe('SSE with --auth-token', () => {
  it('refuses a subscription without the header: 401 UNAUTHENTICATED', async () => {
    const stream = await subscribeWithFetch(server.url, { query: created });
    expect(stream.response.status).toBe(401);
    const [result] = await stream.received.count(1);
    expect(result!.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(server.services.events.listenerCount()).toBe(0);
  });

  it('refuses the graphql-sse client without the header', async () => {
    const subscription = subscribeOverSse(server.url, { query: created });
    await subscription.received.ended();
    expect(subscription.received.items).toEqual([]);
    expect(String(subscription.received.errors[0])).toMatch(/401|Unauthorized|UNAUTHENTICATED/i);
    subscription.close();
  });

  it('delivers events given "Authorization: Bearer TOKEN"', async () => {
    const subscription = subscribeOverSse(server.url, { query: created }, { authorization: `Bearer ${token}` });
    try {
      await subscription.connected;
      await untilListening(server.services.events, 1);
      const artifactId = await artifactFromElsewhere();
      expect(await subscription.received.count(1)).toMatchObject([
        { data: { artifactCreated: { artifact: { artifactId } } } },
      ]);
    } finally {
      subscription.close();
    }
  });
});
