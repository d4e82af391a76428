// One rule for optuna-dashboard's in-place deletes (a value that decodes to null): the live
// feed's watcher and the `check` command read the same rows the same way, on a real server.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkConsistency } from '../../src/artifacts/consistency-check.js';
import type { ArtifactEvent } from '../../src/events/artifact-event-log.js';
import type { ArtifactRecord } from '../../src/artifacts/artifact-records.js';
import { openForeignWriter, type ForeignWriter } from '../support/foreign-writer.js';
import { createStudyWithTrial, startTestServer, type TestServer } from '../support/test-server.js';

/** Values that decode to null at the outer or the inner level of Optuna's double encoding. */
const tombstoneValues = ['"null"', 'null', ' "null" ', '"null "', '"\\u006eull"'];

let server: TestServer;
let foreign: ForeignWriter;
let trialId: number;

beforeAll(async () => {
  // The feed looks when asked (catchUp), not on its timer.
  server = await startTestServer(['--watch-interval', '3600']);
  ({ trialId } = await createStudyWithTrial(server, 'tombstones'));
  foreign = openForeignWriter(join(server.directory, 'optuna.db'));
});
afterAll(async () => {
  foreign.close();
  await server.stop();
});

it('the watcher announces as deleted exactly the rows the check counts as tombstones', async () => {
  const artifacts = tombstoneValues.map((value) => ({
    value,
    artifactId: foreign.addTrialArtifact(trialId).artifactId,
  }));
  await server.services.events.catchUp();
  const deleted: string[] = [];
  const stopListening = server.services.events.listen((event: ArtifactEvent<ArtifactRecord>) => {
    if (event.kind === 'deleted') deleted.push(event.artifactId);
  });

  // optuna-dashboard's delete: the value written over the key, in place.
  const connection = new Database(join(server.directory, 'optuna.db'));
  const overwrite = connection.prepare('UPDATE trial_system_attributes SET value_json = ? WHERE "key" = ?');
  for (const { value, artifactId } of artifacts) overwrite.run(value, `artifacts:${artifactId}`);
  connection.close();
  await server.services.events.catchUp();
  stopListening();

  const report = await checkConsistency(server.services);
  expect(report.tombstones).toBe(tombstoneValues.length);
  expect(report.malformedRows).toBe(0);
  expect(deleted.sort()).toEqual(artifacts.map((artifact) => artifact.artifactId).sort());
});
