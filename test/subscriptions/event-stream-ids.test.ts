// SSE events carry `id: <cursor>`, and a `Last-Event-ID` header (what a reconnecting
// EventSource sends) resumes a subscription like `since` — read off the raw event stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { untilListening } from '../support/subscription-clients.js';
import { waitUntil } from '../support/wait-until.js';

interface StreamEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** A GET event stream as EventSource opens it, its events parsed field by field (ids included). */
async function openEventStream(serverUrl: string, query: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(`${serverUrl}/graphql?query=${encodeURIComponent(query)}`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: StreamEvent[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    const reader = response.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      pending += decoder.decode(chunk.value, { stream: true });
      let boundary: number;
      while ((boundary = pending.indexOf('\n\n')) >= 0) {
        const fields = new Map<string, string>();
        for (const line of pending.slice(0, boundary).split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        pending = pending.slice(boundary + 2);
        if (fields.has('event'))
          events.push({ event: fields.get('event')!, id: fields.get('id'), data: fields.get('data') ?? '' });
      }
    }
  })().catch(() => {}); // aborted by close()
  return {
    events,
    /** The `next` events, once there are `count` of them. */
    async next(count: number): Promise<StreamEvent[]> {
      const nextEvents = () => events.filter((event) => event.event === 'next');
      await waitUntil(() => nextEvents().length >= count, `${count} events arrived`);
      return nextEvents();
    },
    async close() {
      abort.abort();
      await reading;
    },
  };
}

const createdWithCursor = 'subscription { artifactCreated { cursor artifact { filename } } }';
const createdWithoutCursor = 'subscription { artifactCreated { artifact { filename } } }';
const filenameOf = (event: StreamEvent): string => JSON.parse(event.data).data.artifactCreated.artifact.filename;

let server: TestServer;

async function upload(filename: string): Promise<void> {
  const { body } = await uploadMultipart(
    server.url,
    'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
    { file: null },
    [{ variablePath: 'variables.file', content: Buffer.from(filename), filename }],
  );
  expect(body.errors).toBeUndefined();
}

beforeAll(async () => {
  server = await startTestServer(['--watch-interval', '3600']);
  await server.graphql('mutation { createStudy(name: "event ids") { studyId } }');
});
afterAll(() => server.stop());

describe('SSE event ids', () => {
  let ids: string[];

  it("gives every event the event's cursor as its id, whether or not the query selects it", async () => {
    const withCursor = await openEventStream(server.url, createdWithCursor);
    const withoutCursor = await openEventStream(server.url, createdWithoutCursor);
    await untilListening(server.services.events, 2);
    for (const filename of ['a.txt', 'b.txt', 'c.txt']) await upload(filename);

    const selected = await withCursor.next(3);
    const unselected = await withoutCursor.next(3);
    await withCursor.close();
    await withoutCursor.close();
    ids = selected.map((event) => event.id!);
    expect(ids).toEqual(selected.map((event) => JSON.parse(event.data).data.artifactCreated.cursor));
    expect(unselected.map((event) => event.id)).toEqual(ids);
    // The id is a field of its own: `data` stays the bare GraphQL result.
    expect(JSON.parse(unselected[0]!.data)).toEqual({ data: { artifactCreated: { artifact: { filename: 'a.txt' } } } });
    await untilListening(server.services.events, 0);
  });

  it('resumes after the Last-Event-ID header, as after `since`', async () => {
    const resumed = await openEventStream(server.url, createdWithoutCursor, { 'last-event-id': ids[0]! });
    const replayed = await resumed.next(2);
    expect(replayed.map(filenameOf)).toEqual(['b.txt', 'c.txt']);
    await untilListening(server.services.events, 1);
    await upload('d.txt');
    expect((await resumed.next(3)).map(filenameOf)).toEqual(['b.txt', 'c.txt', 'd.txt']);
    await resumed.close();
  });

  it('prefers Last-Event-ID to a `since` argument: the reconnecting client has seen more', async () => {
    const query = `subscription { artifactCreated(since: ${JSON.stringify(ids[0])}) { artifact { filename } } }`;
    const resumed = await openEventStream(server.url, query, { 'last-event-id': ids[1]! });
    expect((await resumed.next(2)).map(filenameOf)).toEqual(['c.txt', 'd.txt']);
    await resumed.close();
  });

  it('refuses a Last-Event-ID that is no cursor like a bad `since`', async () => {
    const resumed = await openEventStream(server.url, createdWithoutCursor, { 'last-event-id': 'garbage' });
    const [result] = await resumed.next(1);
    expect(JSON.parse(result!.data).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    await resumed.close();
  });
});
