// Two server instances on one PostgreSQL database and one artifact folder, as behind a load
// balancer: an upload on A reaches subscribers on B at once (NOTIFY: the watch interval is an
// hour), over SSE and WebSocket; a cursor from A resumes on B with exactly the later events; a
// deletion cursor B cannot prove complete ends with CURSOR_EXPIRED.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/dialects.js';
import { uploadTextArtifact } from '../support/multipart.js';
import {
  connectWebSocket,
  feedArtifactIds,
  feedEvent,
  refusalOverSse,
  subscribeOverSse,
  subscribeOverWebSocket,
  subscribeWithFetch,
  untilListening,
} from '../support/subscription-clients.js';
import { createStudyWithTrial, startTestServer, type TestServer } from '../support/test-server.js';

const createdQuery = `subscription($trialId: Int, $since: String) {
  artifactCreated(trialId: $trialId, since: $since) { cursor artifact { artifactId } }
}`;
const deletedQuery = `subscription($since: String) {
  artifactDeleted(since: $since) { cursor deleted { artifactId } }
}`;

describe('two instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let artifacts: string;
  let a: TestServer;
  let b: TestServer;
  let trialId: number;

  beforeAll(async () => {
    database = await freshDatabase('postgresql', 'instances');
    artifacts = await mkdtemp(join(tmpdir(), 'oag-instances-'));
    // An hour between looks: only a notice can make B look in time.
    const args = [database.url, '--artifact-store', `file://${artifacts}`, '--watch-interval', '3600'];
    a = await startTestServer(args);
    b = await startTestServer(args);
    trialId = (await createStudyWithTrial(a, 'instances')).trialId;
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    database?.remove();
    await rm(artifacts, { recursive: true, force: true });
  });

  it('delivers an upload on A to subscribers on B over SSE and WebSocket without waiting for the interval', async () => {
    const sse = subscribeOverSse(b.url, { query: createdQuery, variables: { trialId } });
    const client = connectWebSocket(b.url);
    const ws = subscribeOverWebSocket(client, { query: createdQuery, variables: { trialId } });
    try {
      await untilListening(b.services.events, 2);
      const uploaded = [
        await uploadTextArtifact(a.url, { trialId }, 'first.txt'),
        await uploadTextArtifact(a.url, { trialId }, 'second.txt'),
      ];
      expect(await feedArtifactIds(sse, 2)).toEqual(uploaded);
      expect(await feedArtifactIds(ws, 2)).toEqual(uploaded);
    } finally {
      sse.close();
      await client.dispose();
    }
  });

  it('resumes a cursor handed out by A on B with exactly the later events, then live ones', async () => {
    const onA = subscribeOverSse(a.url, { query: createdQuery, variables: { trialId } });
    await untilListening(a.services.events, 1);
    const seen = [
      await uploadTextArtifact(a.url, { trialId }, 'seen-1.txt'),
      await uploadTextArtifact(b.url, { trialId }, 'seen-2.txt'),
    ];
    const events = (await onA.received.count(2)).map(feedEvent);
    expect(events.map((event) => event.artifactId)).toEqual(seen);
    onA.close();

    const missed = [
      await uploadTextArtifact(a.url, { trialId }, 'missed-1.txt'),
      await uploadTextArtifact(b.url, { trialId }, 'missed-2.txt'),
    ];
    const client = connectWebSocket(b.url);
    const onB = subscribeOverWebSocket(client, {
      query: createdQuery,
      variables: { trialId, since: events[1]!.cursor },
    });
    try {
      expect(await feedArtifactIds(onB, 2)).toEqual(missed);
      const live = await uploadTextArtifact(a.url, { trialId }, 'live.txt');
      expect(await feedArtifactIds(onB, 3)).toEqual([...missed, live]);
      // And the first cursor: everything after the first event, once each.
      const fromFirst = subscribeOverSse(b.url, {
        query: createdQuery,
        variables: { trialId, since: events[0]!.cursor },
      });
      try {
        expect(await feedArtifactIds(fromFirst, 4)).toEqual([seen[1], ...missed, live]);
      } finally {
        fromFirst.close();
      }
    } finally {
      await client.dispose();
    }
  });

  it('ends a deletion feed resumed on B from a cursor of A with CURSOR_EXPIRED', async () => {
    const artifactId = await uploadTextArtifact(a.url, { trialId }, 'to-delete.txt');
    const onA = subscribeOverSse(a.url, { query: deletedQuery });
    await untilListening(a.services.events, 1);
    const deleted = await a.graphql<{ deleteArtifact: { artifactId: string } }>(
      'mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }',
      { id: artifactId },
    );
    expect(deleted.data?.deleteArtifact.artifactId).toBe(artifactId);
    const [event] = (await onA.received.count(1)).map(feedEvent);
    onA.close();
    const refused = await refusalOverSse(
      await subscribeWithFetch(b.url, { query: deletedQuery, variables: { since: event!.cursor } }),
    );
    expect(refused.errors.map((error) => error.extensions?.code)).toEqual(['CURSOR_EXPIRED']);
  });
});
