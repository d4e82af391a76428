// The fixture read suite, run per dialect (fixture-read.test.ts on SQLite, fixture-read.rdb.test.ts
// on PostgreSQL and MariaDB): one GraphQL query over the real-Optuna fixture, loaded into that
// dialect, returns every study, trial and artifact of MANIFEST.json with the right values.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtureDatabase, type FixtureDatabase, type TestDialect } from '../support/dialects.js';
import { loadManifest, type ManifestFloat } from '../support/fixture.js';
import { createInProcessGraphQL } from '../support/graphql-in-process.js';

interface ArtifactNode {
  artifactId: string;
  filename: string;
  mimetype: string;
  encoding: string | null;
  size: number | null;
  sha256: string | null;
  downloadUrl: string;
  study: { studyId: number };
  trial: { trialId: number } | null;
}
interface ArtifactList {
  totalCount: number;
  edges: { node: ArtifactNode }[];
}
interface TrialNode {
  trialId: number;
  number: number;
  state: string;
  values: ManifestFloat[] | null;
  datetimeStart: string | null;
  datetimeComplete: string | null;
  params: { name: string; value: unknown; distribution: unknown }[];
  intermediateValues: { step: number; value: ManifestFloat }[];
  userAttrs: Record<string, unknown>;
  study: { studyId: number };
  artifacts: ArtifactList;
}
interface StudyNode {
  studyId: number;
  name: string;
  directions: string[];
  userAttrs: Record<string, unknown>;
  trialCount: number;
  complete: number;
  pruned: number;
  fail: number;
  running: number;
  waiting: number;
  finished: number;
  bestTrial: { number: number } | null;
  artifacts: ArtifactList;
  trials: { totalCount: number; edges: { node: TrialNode }[] };
}
interface Everything {
  studies: { totalCount: number; edges: { node: StudyNode }[] };
  artifacts: ArtifactList;
}

// Page sizes fit the fixture (3 studies, at most 10 trials and 21 artifacts) and keep the query
// within the server's operation limits (src/graphql/armor.ts), as a real client's must be.
const everythingQuery = /* GraphQL */ `
  fragment ArtifactFields on Artifact {
    artifactId
    filename
    mimetype
    encoding
    size
    sha256
    downloadUrl
    study {
      studyId
    }
    trial {
      trialId
    }
  }
  query Everything {
    studies(first: 10) {
      totalCount
      edges {
        node {
          studyId
          name
          directions
          userAttrs
          trialCount
          complete: trialCount(states: [COMPLETE])
          pruned: trialCount(states: [PRUNED])
          fail: trialCount(states: [FAIL])
          running: trialCount(states: [RUNNING])
          waiting: trialCount(states: [WAITING])
          finished: trialCount(states: [COMPLETE, PRUNED, FAIL])
          bestTrial {
            number
          }
          artifacts(first: 10) {
            totalCount
            edges {
              node {
                ...ArtifactFields
              }
            }
          }
          trials(first: 20) {
            totalCount
            edges {
              node {
                trialId
                number
                state
                values
                datetimeStart
                datetimeComplete
                userAttrs
                params {
                  name
                  value
                  distribution
                }
                intermediateValues {
                  step
                  value
                }
                study {
                  studyId
                }
                artifacts(first: 10) {
                  totalCount
                  edges {
                    node {
                      ...ArtifactFields
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    artifacts(first: 100) {
      totalCount
      edges {
        node {
          ...ArtifactFields
        }
      }
    }
  }
`;

const manifest = loadManifest();
const ids = (list: ArtifactList): Set<string> => new Set(list.edges.map((edge) => edge.node.artifactId));
/**
 * The fixture's naive UTC text → the server's ISO-8601. MariaDB's DATETIME (as Optuna creates
 * it) keeps whole seconds and cuts the fraction off, for Optuna's own writes as for the fixture's.
 */
const isoFromManifest = (text: string | null, dialect: TestDialect): string | null => {
  if (text === null) return null;
  const stored = dialect === 'mariadb' ? text.replace(/\.\d+$/, '.000000') : text;
  return `${stored.replace(' ', 'T')}Z`;
};

/** The whole read API over the fixture in a database of `dialect` matches the MANIFEST. */
export function describeFixtureRead(dialect: TestDialect): void {
  describe(`one query over the fixture (${dialect})`, () => {
    let database: FixtureDatabase;
    let result: Everything;
    const originalTimeZone = process.env.TZ;

    beforeAll(async () => {
      // The fixture was written by Optuna 5, whose naive datetimes are UTC: the server must report
      // those instants whatever zone it runs in (--datetime-zone defaults to utc), so run far from UTC.
      process.env.TZ = 'Asia/Tokyo';
      database = await fixtureDatabase(dialect);
      const graphql = await createInProcessGraphQL(database.url, [
        '--artifact-store',
        `file://${database.artifactsPath}`,
      ]);
      const response = await graphql.execute<Everything>(everythingQuery);
      await graphql.close();
      expect(response.errors).toBeUndefined();
      result = response.data!;
    });

    afterAll(() => {
      database.remove();
      if (originalTimeZone === undefined) delete process.env.TZ;
      else process.env.TZ = originalTimeZone;
    });

    test('returns every study with its directions, user attributes and per-state trial counts', () => {
      expect(result.studies.totalCount).toBe(manifest.counts.studies);
      const studies = result.studies.edges.map((edge) => edge.node);
      expect(studies.map((study) => study.studyId)).toEqual(manifest.studies.map((study) => study.study_id));
      for (const expected of manifest.studies) {
        const study = studies.find((candidate) => candidate.studyId === expected.study_id)!;
        expect(study.name).toBe(expected.study_name);
        expect(study.directions).toEqual(expected.directions);
        expect(study.userAttrs).toEqual(expected.user_attrs);
        expect(study.trialCount).toBe(expected.n_trials);
        const byState = expected.n_trials_by_state;
        expect({
          COMPLETE: study.complete,
          PRUNED: study.pruned,
          FAIL: study.fail,
          RUNNING: study.running,
          WAITING: study.waiting,
        }).toEqual({ COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0, WAITING: 0, ...byState });
        expect(study.finished).toBe((byState.COMPLETE ?? 0) + (byState.PRUNED ?? 0) + (byState.FAIL ?? 0));
        expect(study.trials.totalCount).toBe(expected.n_trials);
      }
    });

    test('returns every trial with state, values (±inf), datetimes, user attributes', () => {
      for (const expectedStudy of manifest.studies) {
        const study = result.studies.edges.find((edge) => edge.node.studyId === expectedStudy.study_id)!.node;
        const trials = study.trials.edges.map((edge) => edge.node);
        expect(trials.map((trial) => trial.number)).toEqual(expectedStudy.trials.map((trial) => trial.number));
        for (const expected of expectedStudy.trials) {
          const trial = trials.find((candidate) => candidate.trialId === expected.trial_id)!;
          expect(trial.number).toBe(expected.number);
          expect(trial.study.studyId).toBe(expectedStudy.study_id);
          expect(trial.state).toBe(expected.state);
          expect(trial.values).toEqual(expected.values);
          expect(trial.datetimeStart).toBe(isoFromManifest(expected.datetime_start, dialect));
          expect(trial.datetimeComplete).toBe(isoFromManifest(expected.datetime_complete, dialect));
          expect(trial.userAttrs).toEqual(expected.user_attrs);
        }
      }
      expect(result.studies.edges.flatMap((edge) => edge.node.trials.edges)).toHaveLength(manifest.counts.trials);
    });

    test('returns intermediate values with NaN and ±inf', () => {
      const all = manifest.studies.flatMap((study) => study.trials);
      const trials = result.studies.edges.flatMap((edge) => edge.node.trials.edges.map((trialEdge) => trialEdge.node));
      for (const expected of all) {
        const trial = trials.find((candidate) => candidate.trialId === expected.trial_id)!;
        expect(trial.intermediateValues).toEqual(expected.intermediate_values);
      }
      const flattened = trials.flatMap((trial) => trial.intermediateValues.map((item) => item.value));
      expect(flattened).toEqual(expect.arrayContaining(['NaN', 'Infinity']));
    });

    test('returns params in external form: categorical choices (null, booleans, numbers, strings), ints as integers', () => {
      const trials = result.studies.edges.flatMap((edge) => edge.node.trials.edges.map((trialEdge) => trialEdge.node));
      for (const expected of manifest.studies.flatMap((study) => study.trials)) {
        const trial = trials.find((candidate) => candidate.trialId === expected.trial_id)!;
        expect(Object.fromEntries(trial.params.map((param) => [param.name, param.value]))).toEqual(
          Object.fromEntries(Object.entries(expected.params).map(([name, param]) => [name, param.external])),
        );
        for (const param of trial.params) {
          expect(param.distribution).toEqual(JSON.parse(expected.params[param.name]!.distribution_json));
        }
      }
      const values = trials.flatMap((trial) => trial.params.map((param) => param.value));
      expect(values).toEqual(expect.arrayContaining([null, true, false, 'sgd', 'auto', 143]));
    });

    test("lists each owner's artifacts as Optuna and optuna-dashboard do: legacy rows under their trial, tombstones absent", () => {
      const tombstoned = new Set(manifest.tombstones.map((tombstone) => tombstone.artifact_id));
      for (const expectedStudy of manifest.studies) {
        const study = result.studies.edges.find((edge) => edge.node.studyId === expectedStudy.study_id)!.node;
        const expectedOwn = manifest.artifacts.filter(
          (artifact) => artifact.owner.type === 'study' && artifact.owner.study_id === expectedStudy.study_id,
        );
        expect(ids(study.artifacts)).toEqual(new Set(expectedOwn.map((artifact) => artifact.artifact_id)));
        expect(study.artifacts.totalCount).toBe(expectedOwn.length);
        for (const trialEdge of study.trials.edges) {
          const trial = trialEdge.node;
          const expectedForTrial = manifest.artifacts.filter((artifact) => artifact.owner.trial_id === trial.trialId);
          expect(ids(trial.artifacts)).toEqual(new Set(expectedForTrial.map((artifact) => artifact.artifact_id)));
          expect(trial.artifacts.totalCount).toBe(expectedForTrial.length);
          for (const id of ids(trial.artifacts)) expect(tombstoned.has(id)).toBe(false);
        }
      }
      const legacy = manifest.artifacts.find((artifact) => artifact.kind === 'dashboard-legacy')!;
      const legacyTrial = result.studies.edges
        .flatMap((edge) => edge.node.trials.edges.map((trialEdge) => trialEdge.node))
        .find((trial) => trial.trialId === legacy.owner.trial_id)!;
      expect(ids(legacyTrial.artifacts)).toContain(legacy.artifact_id);
    });

    test('the top-level artifacts query returns exactly the manifest artifacts, with their metadata', () => {
      expect(result.artifacts.totalCount).toBe(manifest.counts.artifacts);
      expect(ids(result.artifacts)).toEqual(new Set(manifest.artifacts.map((artifact) => artifact.artifact_id)));
      for (const expected of manifest.artifacts) {
        const artifact = result.artifacts.edges.find((edge) => edge.node.artifactId === expected.artifact_id)!.node;
        expect(artifact).toEqual({
          artifactId: expected.artifact_id,
          filename: expected.filename,
          mimetype: expected.mimetype,
          encoding: expected.encoding,
          // Python-written metadata has no size/sha256 keys: the size is the stored file's, the hash unknown.
          size: expected.size,
          sha256: null,
          downloadUrl: `/artifacts/${expected.artifact_id}`,
          study: { studyId: expected.owner.study_id },
          trial: expected.owner.trial_id === undefined ? null : { trialId: expected.owner.trial_id },
        });
      }
    });

    test("bestTrial is Optuna's best trial for single-objective studies and null for multi-objective ones", () => {
      for (const expectedStudy of manifest.studies) {
        const study = result.studies.edges.find((edge) => edge.node.studyId === expectedStudy.study_id)!.node;
        if (expectedStudy.directions.length > 1) {
          expect(study.bestTrial).toBeNull();
          continue;
        }
        const sign = expectedStudy.directions[0] === 'MAXIMIZE' ? -1 : 1;
        const numeric = (value: ManifestFloat): number => Number(value);
        const best = expectedStudy.trials
          .filter((trial) => trial.state === 'COMPLETE')
          .sort((a, b) => sign * (numeric(a.values![0]!) - numeric(b.values![0]!)))[0]!;
        expect(study.bestTrial).toEqual({ number: best.number });
      }
    });
  });
}
