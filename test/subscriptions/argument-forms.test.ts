// The live feed's filters (studyId, trialId) and `since` are honoured the same whether written
// as literals, as variables of other names, as variable defaults, inside fragments, or in one
// of several operations — over SSE and over WebSocket; and refused the same way, before the
// stream starts, when they name nothing or cannot be honoured.
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  argumentForms,
  type ArgumentValue,
  type OperationTemplate,
  type WrittenOperation,
} from '../support/argument-forms.js';
import { uploadTextArtifact } from '../support/multipart.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  connectWebSocket,
  refusalOverSse,
  refusalOverWebSocket,
  subscribeOverWebSocket,
  subscribeWithFetch,
  untilListening,
  type Subscription,
} from '../support/subscription-clients.js';

type Feed = 'artifactCreated' | 'artifactDeleted';
const selectionOf: Record<Feed, string> = {
  artifactCreated: 'cursor artifact { artifactId }',
  artifactDeleted: 'cursor deleted { artifactId }',
};

let server: TestServer;
let webSocket: ReturnType<typeof connectWebSocket>;
const ids = { studyA: 0, studyB: 0, trialA1: 0, trialA2: 0, trialB1: 0 };

async function data<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await server.graphql<Data>(query, variables);
  if (response.errors) throw new Error(`setup failed: ${JSON.stringify(response.errors)}`);
  return response.data!;
}

const upload = (owner: { studyId: number } | { trialId: number }, filename: string) =>
  uploadTextArtifact(server.url, owner, filename);

const remove = (artifactId: string) =>
  data('mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }', { id: artifactId });
const newStudy = async (name: string) =>
  (
    await data<{ createStudy: { studyId: number } }>('mutation($n: String!) { createStudy(name: $n) { studyId } }', {
      n: name,
    })
  ).createStudy.studyId;
const newTrial = async (studyId: number) =>
  (
    await data<{ createTrial: { trialId: number } }>('mutation($s: Int!) { createTrial(studyId: $s) { trialId } }', {
      s: studyId,
    })
  ).createTrial.trialId;

beforeAll(async () => {
  server = await startTestServer();
  webSocket = connectWebSocket(server.url);
  ids.studyA = await newStudy('A');
  ids.studyB = await newStudy('B');
  ids.trialA1 = await newTrial(ids.studyA);
  ids.trialA2 = await newTrial(ids.studyA);
  ids.trialB1 = await newTrial(ids.studyB);
});

afterAll(async () => {
  await webSocket.dispose();
  await server.stop();
});

const int = (value: number): ArgumentValue => ({ type: 'Int', value });
const string = (value: string): ArgumentValue => ({ type: 'String', value });

const template = (feed: Feed, args: Record<string, ArgumentValue>): OperationTemplate => ({
  kind: 'subscription',
  selection: `${feed}(${Object.keys(args)
    .map((name) => `${name}: %${name}`)
    .join(', ')}) { ${selectionOf[feed]} }`,
  args,
});

interface Opened {
  label: string;
  subscription: Subscription;
}

/** Subscribes in `written`'s form over both transports. */
async function openBoth(label: string, written: WrittenOperation): Promise<Opened[]> {
  if (written.warmUpOperationName)
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: written.query,
        variables: written.variables,
        operationName: written.warmUpOperationName,
      }),
    });
  const request = { query: written.query, variables: written.variables, operationName: written.operationName };
  return [
    { label: `${label}, SSE, ${written.form}`, subscription: await subscribeWithFetch(server.url, request) },
    { label: `${label}, WebSocket, ${written.form}`, subscription: subscribeOverWebSocket(webSocket, request) },
  ];
}

const artifactIdOf = (result: ExecutionResult): string => {
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  const event = result.data as Record<Feed, { artifact?: { artifactId: string }; deleted?: { artifactId: string } }>;
  const { artifact, deleted } = event.artifactCreated ?? event.artifactDeleted;
  return (artifact ?? deleted)!.artifactId;
};

describe('filters and `since` in every form, over SSE and WebSocket', () => {
  it('each subscription receives exactly the events it asked for', async () => {
    // Events before the subscriptions start, and the cursor to resume after the first one.
    const reference = subscribeOverWebSocket(webSocket, {
      query: 'subscription { artifactCreated { cursor artifact { artifactId } } }',
    });
    await untilListening(server.services.events, 1);
    const x1 = await upload({ trialId: ids.trialA1 }, 'x1.txt');
    const x2 = await upload({ studyId: ids.studyA }, 'x2.txt');
    const x3 = await upload({ trialId: ids.trialB1 }, 'x3.txt');
    await remove(x1);
    const [firstEvent] = await reference.received.count(3);
    const since = (firstEvent!.data as { artifactCreated: { cursor: string } }).artifactCreated.cursor;
    reference.close();
    await untilListening(server.services.events, 0);

    const cases: {
      feed: Feed;
      args: Record<string, ArgumentValue>;
      expected: (live: Record<string, string>) => string[];
    }[] = [
      {
        feed: 'artifactCreated',
        args: { studyId: int(ids.studyA) },
        expected: (live) => [live.y1!, live.y3!, live.fence!],
      },
      { feed: 'artifactCreated', args: { trialId: int(ids.trialA1) }, expected: (live) => [live.y1!, live.fence!] },
      {
        feed: 'artifactCreated',
        args: { since: string(since) },
        expected: (live) => [x2, x3, live.y1!, live.y2!, live.y3!, live.fence!],
      },
      { feed: 'artifactDeleted', args: { studyId: int(ids.studyA) }, expected: (live) => [live.y1!, live.fence!] },
      { feed: 'artifactDeleted', args: { trialId: int(ids.trialA1) }, expected: (live) => [live.y1!, live.fence!] },
      {
        feed: 'artifactDeleted',
        args: { since: string(since) },
        expected: (live) => [x1, live.y2!, live.y1!, live.fence!],
      },
    ];
    const opened: (Opened & { expected: (live: Record<string, string>) => string[] })[] = [];
    for (const { feed, args, expected } of cases) {
      for (const written of argumentForms(template(feed, args))) {
        for (const one of await openBoth(`${feed}(${Object.keys(args).join(', ')})`, written))
          opened.push({ ...one, expected });
      }
    }
    try {
      await untilListening(server.services.events, opened.length);
      const live: Record<string, string> = {};
      live.y1 = await upload({ trialId: ids.trialA1 }, 'y1.txt');
      live.y2 = await upload({ studyId: ids.studyB }, 'y2.txt');
      live.y3 = await upload({ trialId: ids.trialA2 }, 'y3.txt');
      await remove(live.y2);
      await remove(live.y1);
      // Last for every subscription: nothing unexpected can arrive after it unseen.
      live.fence = await upload({ trialId: ids.trialA1 }, 'fence.txt');
      await remove(live.fence);

      for (const { label, subscription, expected } of opened) {
        const wanted = expected(live);
        const received = (await subscription.received.count(wanted.length)).map(artifactIdOf);
        expect({ label, received }).toEqual({ label, received: wanted });
      }
    } finally {
      for (const { subscription } of opened) subscription.close();
    }
    await untilListening(server.services.events, 0);
  });
});

describe('refused before the stream starts, in every form, over SSE and WebSocket', () => {
  const refusals: {
    name: string;
    feed: Feed;
    args: () => Promise<Record<string, ArgumentValue>> | Record<string, ArgumentValue>;
    code: string;
    status: number;
  }[] = [
    {
      name: 'an unknown study',
      feed: 'artifactCreated',
      args: () => ({ studyId: int(999) }),
      code: 'NOT_FOUND',
      status: 404,
    },
    {
      name: 'an unknown trial',
      feed: 'artifactDeleted',
      args: () => ({ trialId: int(999) }),
      code: 'NOT_FOUND',
      status: 404,
    },
    {
      name: 'a malformed `since`',
      feed: 'artifactCreated',
      args: () => ({ since: string('garbage') }),
      code: 'BAD_USER_INPUT',
      status: 400,
    },
    {
      name: 'a malformed `since`',
      feed: 'artifactDeleted',
      args: () => ({ since: string('bm9wZQ') }),
      code: 'BAD_USER_INPUT',
      status: 400,
    },
    {
      name: 'an `artifacts` edge cursor as `since` of deletions (their replay cannot be proven complete)',
      feed: 'artifactDeleted',
      args: async () => {
        await upload({ studyId: ids.studyB }, 'listed.txt');
        const listed = await data<{ artifacts: { edges: { cursor: string }[] } }>(
          '{ artifacts(first: 1) { edges { cursor } } }',
        );
        return { studyId: int(ids.studyB), since: string(listed.artifacts.edges[0]!.cursor) };
      },
      code: 'CURSOR_EXPIRED',
      status: 410,
    },
  ];

  it.each(refusals)('$feed: $name is $code', async ({ feed, args, code, status }) => {
    const forms = argumentForms(template(feed, await args()));
    for (const written of forms) {
      const [overSse, overWebSocket] = await openBoth(feed, written);
      const sse = await refusalOverSse(overSse!.subscription as Awaited<ReturnType<typeof subscribeWithFetch>>);
      expect({
        form: written.form,
        status: sse.status,
        codes: sse.errors.map((error) => error.extensions?.code),
      }).toEqual({ form: written.form, status, codes: [code] });
      const webSocketErrors = await refusalOverWebSocket(overWebSocket!.subscription);
      expect({ form: written.form, codes: webSocketErrors.map((error) => error.extensions?.code) }).toEqual({
        form: written.form,
        codes: [code],
      });
    }
    expect(server.services.events.listenerCount()).toBe(0);
  });
});
