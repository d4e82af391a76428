// The live feed end to end, with real clients on a real server: uploads and deletes through
// the API reach exactly the subscribers they should; rows other processes write are noticed
// within two watch intervals, once; a client that reconnects with its last cursor gets what
// it missed, then live events; replay of creations survives a server restart, and a replay of
// deletions that cannot be complete is refused.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uploadMultipart } from '../support/multipart.js';
import { systemPython } from '../support/python-optuna.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  connectWebSocket,
  feedArtifactIds,
  feedEvent,
  refusalOverSse,
  refusalOverWebSocket,
  subscribeOverSse,
  subscribeOverWebSocket,
  subscribeWithFetch,
  untilListening,
  type Subscription,
} from '../support/subscription-clients.js';

const createdQuery = `subscription($studyId: Int, $trialId: Int, $since: String) {
  artifactCreated(studyId: $studyId, trialId: $trialId, since: $since) { cursor artifact { artifactId filename trial { trialId } } }
}`;
const deletedQuery = `subscription($studyId: Int, $trialId: Int, $since: String) {
  artifactDeleted(studyId: $studyId, trialId: $trialId, since: $since) { cursor deleted { artifactId studyId trialId } }
}`;

async function uploadThroughApi(
  server: TestServer,
  owner: { trialId: number } | { studyId: number },
  filename = 'file.txt',
): Promise<string> {
  const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    server.url,
    'mutation($studyId: Int, $trialId: Int, $file: Upload!) { uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file) { artifactId } }',
    { ...owner, file: null },
    [{ variablePath: 'variables.file', content: new TextEncoder().encode(`bytes of ${filename}`), filename }],
  );
  if (!body.data) throw new Error(`upload failed: ${JSON.stringify(body.errors)}`);
  return body.data.uploadArtifact.artifactId;
}

async function uploadManyThroughApi(server: TestServer, trialId: number, filenames: string[]): Promise<string[]> {
  const { body } = await uploadMultipart<{ uploadArtifacts: { artifactId: string }[] }>(
    server.url,
    'mutation($trialId: Int, $files: [Upload!]!) { uploadArtifacts(trialId: $trialId, files: $files) { artifactId } }',
    { trialId, files: filenames.map(() => null) },
    filenames.map((filename, index) => ({
      variablePath: `variables.files.${index}`,
      content: new TextEncoder().encode(filename),
      filename,
    })),
  );
  if (!body.data) throw new Error(`upload failed: ${JSON.stringify(body.errors)}`);
  return body.data.uploadArtifacts.map((artifact) => artifact.artifactId);
}

async function deleteThroughApi(server: TestServer, artifactId: string): Promise<void> {
  const response = await server.graphql('mutation($id: String!) { deleteArtifact(artifactId: $id) { artifactId } }', {
    id: artifactId,
  });
  if (response.errors) throw new Error(`delete failed: ${JSON.stringify(response.errors)}`);
}

async function createStudyWithTrials(
  server: TestServer,
  name: string,
  trials: number,
): Promise<{ studyId: number; trialIds: number[] }> {
  const study = await server.graphql<{ createStudy: { studyId: number } }>(
    'mutation($name: String!) { createStudy(name: $name) { studyId } }',
    { name },
  );
  const studyId = study.data!.createStudy.studyId;
  const trialIds: number[] = [];
  for (let index = 0; index < trials; index++) {
    const trial = await server.graphql<{ createTrial: { trialId: number } }>(
      'mutation($s: Int!) { createTrial(studyId: $s) { trialId } }',
      { s: studyId },
    );
    trialIds.push(trial.data!.createTrial.trialId);
  }
  return { studyId, trialIds };
}

describe('uploads and deletes through the API (done-when 1)', () => {
  let server: TestServer;
  let foreign: ForeignWriter;

  beforeAll(async () => {
    server = await startTestServer(['--watch-interval', '0.05']);
    foreign = openForeignWriter(join(server.directory, 'optuna.db'));
  });
  afterAll(async () => {
    foreign.close();
    await server.stop();
  });

  it('reach an SSE client, a WebSocket client and a trial-filtered WebSocket client exactly as they should', async () => {
    const { studyId, trialIds } = await createStudyWithTrials(server, 'fan-out', 2);
    const [trialA, trialB] = trialIds as [number, number];

    const sseCreated = subscribeOverSse(server.url, { query: createdQuery });
    const sseDeleted = subscribeOverSse(server.url, { query: deletedQuery });
    const fetchCreated = await subscribeWithFetch(server.url, { query: createdQuery, variables: { studyId } });
    const ws = connectWebSocket(server.url);
    const wsCreated = subscribeOverWebSocket(ws, { query: createdQuery });
    const wsDeleted = subscribeOverWebSocket(ws, { query: deletedQuery });
    const wsOfTrial = connectWebSocket(server.url);
    const trialCreated = subscribeOverWebSocket(wsOfTrial, { query: createdQuery, variables: { trialId: trialA } });
    const trialDeleted = subscribeOverWebSocket(wsOfTrial, { query: deletedQuery, variables: { trialId: trialA } });
    try {
      await untilListening(server.services.events, 7);

      const a1 = await uploadThroughApi(server, { trialId: trialA }, 'a1.txt');
      const b1 = await uploadThroughApi(server, { trialId: trialB }, 'b1.txt');
      const s1 = await uploadThroughApi(server, { studyId }, 's1.txt');
      const a2 = await uploadThroughApi(server, { trialId: trialA }, 'a2.txt');
      const [b2, b3] = (await uploadManyThroughApi(server, trialB, ['b2.txt', 'b3.txt'])) as [string, string];
      await deleteThroughApi(server, a1);
      await deleteThroughApi(server, s1);
      // A fence written by "another process": it arrives after a watcher look that came after
      // every action above, so a duplicate announced by the watcher would arrive before it.
      const fence = foreign.addTrialArtifact(trialA, 'fence.txt').artifactId;

      const allCreated = [a1, b1, s1, a2, b2, b3, fence];
      expect(await feedArtifactIds(sseCreated, 7)).toEqual(allCreated);
      expect(await feedArtifactIds(fetchCreated, 7)).toEqual(allCreated);
      expect(await feedArtifactIds(wsCreated, 7)).toEqual(allCreated);
      expect(await feedArtifactIds(trialCreated, 3)).toEqual([a1, a2, fence]);

      foreign.deleteArtifact(fence);
      expect(await feedArtifactIds(sseDeleted, 3)).toEqual([a1, s1, fence]);
      expect(await feedArtifactIds(wsDeleted, 3)).toEqual([a1, s1, fence]);
      expect(await feedArtifactIds(trialDeleted, 2)).toEqual([a1, fence]);

      // Nothing more arrived meanwhile, and every event has its own cursor.
      const counts = [sseCreated, fetchCreated, wsCreated, trialCreated, sseDeleted, wsDeleted, trialDeleted].map(
        (s) => s.received.items.length,
      );
      expect(counts).toEqual([7, 7, 7, 3, 3, 3, 2]);
      const cursors = [...wsCreated.received.items, ...wsDeleted.received.items].map(
        (result) => feedEvent(result).cursor,
      );
      expect(new Set(cursors).size).toBe(10);
      // The created event carries the artifact as uploaded.
      expect(wsCreated.received.items[0]).toMatchObject({
        data: { artifactCreated: { artifact: { artifactId: a1, filename: 'a1.txt', trial: { trialId: trialA } } } },
      });
      expect(sseDeleted.received.items[1]).toMatchObject({
        data: { artifactDeleted: { deleted: { artifactId: s1, studyId, trialId: null } } },
      });
    } finally {
      for (const subscription of [sseCreated, sseDeleted, fetchCreated]) subscription.close();
      await ws.dispose();
      await wsOfTrial.dispose();
    }
    await untilListening(server.services.events, 0);
  });
});

describe('artifacts written by other processes (done-when 2)', () => {
  const watchIntervalSeconds = 0.2;
  let server: TestServer;
  let foreign: ForeignWriter;
  let studyId: number;
  let trialId: number;

  beforeAll(async () => {
    server = await startTestServer(['--watch-interval', String(watchIntervalSeconds)]);
    foreign = openForeignWriter(join(server.directory, 'optuna.db'));
    const created = await createStudyWithTrials(server, 'elsewhere', 1);
    studyId = created.studyId;
    trialId = created.trialIds[0]!;
  });
  afterAll(async () => {
    foreign.close();
    await server.stop();
  });

  it('reach SSE and WebSocket subscribers within two watch intervals, once; so do their deletions', async () => {
    const sse = subscribeOverSse(server.url, { query: createdQuery, variables: { trialId } });
    const sseDeleted = await subscribeWithFetch(server.url, { query: deletedQuery, variables: { trialId } });
    const ws = connectWebSocket(server.url);
    const wsCreated = subscribeOverWebSocket(ws, { query: createdQuery, variables: { studyId } });
    try {
      await untilListening(server.services.events, 3);

      const written = foreign.addTrialArtifact(trialId, 'from-python.txt');
      const committedAt = performance.now();
      const [sseIds, wsIds] = await Promise.all([feedArtifactIds(sse, 1), feedArtifactIds(wsCreated, 1)]);
      const elapsedMs = performance.now() - committedAt;
      expect(sseIds).toEqual([written.artifactId]);
      expect(wsIds).toEqual([written.artifactId]);
      expect(elapsedMs).toBeLessThan(2 * watchIntervalSeconds * 1000);
      expect(wsCreated.received.items[0]).toMatchObject({
        data: { artifactCreated: { artifact: { filename: 'from-python.txt', trial: { trialId } } } },
      });

      // Once: a second row (a fence) comes next, with nothing in between.
      const second = foreign.addStudyArtifact(studyId, 'study-level.txt');
      expect(await feedArtifactIds(wsCreated, 2)).toEqual([written.artifactId, second.artifactId]);
      expect(sse.received.items).toHaveLength(1); // a study artifact is not the trial's

      foreign.deleteArtifact(written.artifactId);
      const deletedAt = performance.now();
      expect(await feedArtifactIds(sseDeleted, 1)).toEqual([written.artifactId]);
      expect(performance.now() - deletedAt).toBeLessThan(2 * watchIntervalSeconds * 1000);
    } finally {
      sse.close();
      sseDeleted.close();
      await ws.dispose();
    }
  });

  it.skipIf(!inject('pythonOptuna'))(
    "include Python Optuna's own writes (upload_artifact's metadata call, in a Python process)",
    async () => {
      const subscription = subscribeOverSse(server.url, { query: createdQuery, variables: { trialId } });
      try {
        await untilListening(server.services.events, 1);
        const script = fileURLToPath(new URL('../support/python/optuna_write_artifact_meta.py', import.meta.url));
        const { stdout } = await promisify(execFile)(systemPython, [
          script,
          join(server.directory, 'optuna.db'),
          'trial',
          String(trialId),
          'written-by-optuna.csv',
        ]);
        const exitedAt = performance.now();
        expect(await feedArtifactIds(subscription, 1)).toEqual([stdout.trim()]);
        expect(performance.now() - exitedAt).toBeLessThan(2 * watchIntervalSeconds * 1000);
        expect(subscription.received.items[0]).toMatchObject({
          data: { artifactCreated: { artifact: { filename: 'written-by-optuna.csv' } } },
        });
      } finally {
        subscription.close();
      }
    },
  );
});

describe('resuming with a cursor (done-when 3)', () => {
  let server: TestServer;
  let studyId: number;
  let trialId: number;

  beforeAll(async () => {
    server = await startTestServer(['--watch-interval', '0.05']);
    const created = await createStudyWithTrials(server, 'resume', 1);
    studyId = created.studyId;
    trialId = created.trialIds[0]!;
  });
  afterAll(async () => {
    await server.stop();
  });

  const transports = {
    WebSocket: () => {
      const client = connectWebSocket(server.url);
      return {
        subscribe: (variables: Record<string, unknown>) =>
          subscribeOverWebSocket(client, { query: createdQuery, variables }),
        disconnect: () => client.dispose(),
      };
    },
    SSE: () => {
      const subscriptions: Subscription[] = [];
      return {
        subscribe: (variables: Record<string, unknown>) => {
          const subscription = subscribeOverSse(server.url, { query: createdQuery, variables });
          subscriptions.push(subscription);
          return subscription;
        },
        disconnect: () => subscriptions.forEach((subscription) => subscription.close()),
      };
    },
  };

  it.each(Object.keys(transports) as (keyof typeof transports)[])(
    'over %s: a client that missed three uploads gets exactly those three, then live events',
    async (transport) => {
      const first = transports[transport]();
      const before = first.subscribe({ trialId });
      await untilListening(server.services.events, 1);
      const seen = await uploadThroughApi(server, { trialId }, 'seen.txt');
      const [lastEvent] = (await before.received.count(1)).map(feedEvent);
      expect(lastEvent!.artifactId).toBe(seen);
      await first.disconnect();
      await untilListening(server.services.events, 0);

      const missed = [];
      for (const name of ['m1.txt', 'm2.txt', 'm3.txt']) missed.push(await uploadThroughApi(server, { trialId }, name));
      await uploadThroughApi(server, { studyId }, 'not-for-this-trial.txt');

      const second = transports[transport]();
      const resumed = second.subscribe({ trialId, since: lastEvent!.cursor });
      try {
        expect(await feedArtifactIds(resumed, 3)).toEqual(missed);
        await untilListening(server.services.events, 1);
        const live = await uploadThroughApi(server, { trialId }, 'live.txt');
        expect(await feedArtifactIds(resumed, 4)).toEqual([...missed, live]);
      } finally {
        await second.disconnect();
      }
      await untilListening(server.services.events, 0);
    },
  );

  it('accepts an edge cursor of the artifacts query as `since`', async () => {
    await uploadThroughApi(server, { trialId }, 'listed.txt');
    const listed = await server.graphql<{ artifacts: { edges: { cursor: string }[] } }>(
      'query($t: Int) { artifacts(trialId: $t, first: 1) { edges { cursor } } }',
      { t: trialId },
    );
    const after = [
      await uploadThroughApi(server, { trialId }, 'after-1.txt'),
      await uploadThroughApi(server, { trialId }, 'after-2.txt'),
    ];
    const stream = await subscribeWithFetch(server.url, {
      query: createdQuery,
      variables: { trialId, since: listed.data!.artifacts.edges[0]!.cursor },
    });
    try {
      expect(await feedArtifactIds(stream, 2)).toEqual(after);
      const live = await uploadThroughApi(server, { trialId }, 'after-3.txt');
      expect(await feedArtifactIds(stream, 3)).toEqual([...after, live]);
    } finally {
      stream.close();
    }
  });

  it('answers an invalid `since` with BAD_USER_INPUT on every transport', async () => {
    const client = connectWebSocket(server.url);
    const viaFetch = await subscribeWithFetch(server.url, { query: deletedQuery, variables: { since: 'bm9wZQ' } });
    const viaSse = subscribeOverSse(server.url, { query: createdQuery, variables: { since: 'bm9wZQ' } });
    const viaWebSocket = subscribeOverWebSocket(client, { query: createdQuery, variables: { since: 'bm9wZQ' } });
    try {
      // Over SSE the refusal is an HTTP 400 whose event stream carries the errors, which the
      // graphql-sse client reports as a NetworkError carrying the response; over WebSocket, an
      // `error` message.
      expect(await refusalOverSse(viaFetch)).toMatchObject({
        status: 400,
        errors: [{ extensions: { code: 'BAD_USER_INPUT' } }],
      });
      expect(await refusalOverWebSocket(viaWebSocket)).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
      await viaSse.received.ended();
      const { response } = viaSse.received.errors[0] as { response: Response };
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('BAD_USER_INPUT');
    } finally {
      viaFetch.close();
      viaSse.close();
      await client.dispose();
    }
  });
});

describe('resuming after a server restart', () => {
  it('replays the creations after an event cursor of the earlier run from the database, then goes live; refuses its deletions with CURSOR_EXPIRED', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'oag-restart-'));
    const databasePath = join(directory, 'optuna.db');
    const args = [
      `sqlite:///${databasePath}`,
      '--artifact-store',
      `file://${join(directory, 'artifacts')}`,
      '--watch-interval',
      '0.05',
    ];
    try {
      const earlier = await startTestServer(args);
      const { trialIds } = await createStudyWithTrials(earlier, 'restart', 1);
      const trialId = trialIds[0]!;
      const ws = connectWebSocket(earlier.url);
      const subscription = subscribeOverWebSocket(ws, { query: createdQuery });
      await untilListening(earlier.services.events, 1);
      await uploadThroughApi(earlier, { trialId }, 'before-restart.txt');
      const [lastEvent] = (await subscription.received.count(1)).map(feedEvent);
      await ws.dispose();
      await earlier.stop();

      // While no server runs, Python Optuna uploads; then the new server uploads too.
      const foreign = openForeignWriter(databasePath);
      const whileDown = foreign.addTrialArtifact(trialId, 'while-down.txt').artifactId;
      foreign.close();
      const later = await startTestServer(args);
      try {
        const afterRestart = await uploadThroughApi(later, { trialId }, 'after-restart.txt');
        const resumed = await subscribeWithFetch(later.url, {
          query: createdQuery,
          variables: { since: lastEvent!.cursor },
        });
        const deletionsOverSse = await subscribeWithFetch(later.url, {
          query: deletedQuery,
          variables: { since: lastEvent!.cursor },
        });
        const webSocket = connectWebSocket(later.url);
        const deletionsOverWebSocket = subscribeOverWebSocket(webSocket, {
          query: deletedQuery,
          variables: { since: lastEvent!.cursor },
        });
        try {
          expect(await feedArtifactIds(resumed, 2)).toEqual([whileDown, afterRestart]);
          const live = await uploadThroughApi(later, { trialId }, 'live.txt');
          expect(await feedArtifactIds(resumed, 3)).toEqual([whileDown, afterRestart, live]);
          // Deletions of the earlier run are gone with its memory: a replay from its cursor
          // cannot be complete, and is refused rather than served with a gap.
          expect(await refusalOverSse(deletionsOverSse)).toMatchObject({
            status: 410,
            errors: [{ extensions: { code: 'CURSOR_EXPIRED' } }],
          });
          expect(await refusalOverWebSocket(deletionsOverWebSocket)).toMatchObject([
            { extensions: { code: 'CURSOR_EXPIRED' } },
          ]);
        } finally {
          resumed.close();
          deletionsOverSse.close();
          await webSocket.dispose();
        }
      } finally {
        await later.stop();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
