// --max-subscriptions: one WebSocket connection holds at most N subscriptions at once. One more
// is refused with a graphql-ws `error` message (TOO_MANY_SUBSCRIPTIONS) and nothing is set up
// for it; ending a subscription frees its slot; queries and other connections are not counted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uploadMultipart } from '../support/multipart.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  connectWebSocket,
  refusalOverWebSocket,
  subscribeOverWebSocket,
  untilListening,
  type Subscription,
} from '../support/subscription-clients.js';

const limit = 3;
const everyCreation = { query: 'subscription { artifactCreated { artifact { artifactId } } }' };
let server: TestServer;
let studyId: number;

beforeAll(async () => {
  server = await startTestServer(['--max-subscriptions', String(limit)]);
  const created = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation { createStudy(name: "limits") { studyId } }',
  );
  studyId = created.data!.createStudy.studyId;
});

afterAll(async () => {
  await server.stop();
});

async function upload(): Promise<string> {
  const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    server.url,
    'mutation($s: Int, $file: Upload!) { uploadArtifact(studyId: $s, file: $file) { artifactId } }',
    { s: studyId, file: null },
    [{ variablePath: 'variables.file', content: new TextEncoder().encode('bytes'), filename: 'limit.txt' }],
  );
  return body.data!.uploadArtifact.artifactId;
}

const codesOf = async (subscription: Subscription) =>
  (await refusalOverWebSocket(subscription)).map((error) => error.extensions?.code);

it('refuses one subscription more than the limit, frees a slot when one ends, and counts nothing else', async () => {
  const client = connectWebSocket(server.url);
  const other = connectWebSocket(server.url);
  try {
    const open = Array.from({ length: limit }, () => subscribeOverWebSocket(client, everyCreation));
    await untilListening(server.services.events, limit);

    const refused = subscribeOverWebSocket(client, everyCreation);
    const [error] = await refusalOverWebSocket(refused);
    expect(error).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
    expect(error!.message).toMatch(/already has 3 open subscriptions/);
    // Nothing was set up for it, and the connection still serves what it has.
    expect(server.services.events.listenerCount()).toBe(limit);
    const query = subscribeOverWebSocket(client, { query: `{ study(studyId: ${studyId}) { name } }` });
    expect(await query.received.count(1)).toEqual([{ data: { study: { name: 'limits' } } }]);
    // Another connection has slots of its own.
    const elsewhere = subscribeOverWebSocket(other, everyCreation);
    await untilListening(server.services.events, limit + 1);

    // Completing one frees its slot.
    open[0]!.close();
    await untilListening(server.services.events, limit);
    const replacement = subscribeOverWebSocket(client, everyCreation);
    await untilListening(server.services.events, limit + 1);
    const artifactId = await upload();
    for (const subscription of [replacement, open[1]!, open[2]!, elsewhere]) {
      expect(await subscription.received.count(1)).toEqual([
        { data: { artifactCreated: { artifact: { artifactId } } } },
      ]);
    }
  } finally {
    await client.dispose();
    await other.dispose();
  }
  await untilListening(server.services.events, 0);
});

it('admits exactly the limit from a burst of subscribe messages', async () => {
  const client = connectWebSocket(server.url);
  try {
    const burst = Array.from({ length: 10 }, () => subscribeOverWebSocket(client, everyCreation));
    await untilListening(server.services.events, limit);
    const refusals = await Promise.all(burst.slice(limit).map(codesOf));
    expect(refusals).toEqual(Array.from({ length: 10 - limit }, () => ['TOO_MANY_SUBSCRIPTIONS']));
    expect(server.services.events.listenerCount()).toBe(limit);
  } finally {
    await client.dispose();
  }
  await untilListening(server.services.events, 0);
});

it('gives no slot to a subscription refused for its arguments', async () => {
  const client = connectWebSocket(server.url);
  try {
    // One after the other: while a subscription is being set up it holds its slot.
    for (let index = 0; index < limit + 2; index++) {
      const unknownTrial = subscribeOverWebSocket(client, {
        query: 'subscription { artifactCreated(trialId: 999) { cursor } }',
      });
      expect(await codesOf(unknownTrial)).toEqual(['NOT_FOUND']);
    }
    Array.from({ length: limit }, () => subscribeOverWebSocket(client, everyCreation));
    await untilListening(server.services.events, limit);
  } finally {
    await client.dispose();
  }
  await untilListening(server.services.events, 0);
});
