// Per-request dataloaders for everything nested under studies and trials: each turns the
// keys requested during one tick into ONE set-based query, so a page of N trials costs the
// same number of statements whatever N is.
import DataLoader from 'dataloader';
import { artifactRecordsFromRows, type ArtifactRecord } from '../artifacts/artifact-records.js';
import type { AttributeRowIds } from '../db/artifact-attribute-queries.js';
import type { OptunaDatabase } from '../db/optuna-database.js';
import type { IntermediateValue, TrialParam } from '../db/trial-detail-queries.js';
import type { TrialPageQuery, TrialRecord } from '../db/trial-queries.js';
import type { UserAttributes } from '../db/user-attributes.js';
import type { TrialState } from '../optuna/enums.js';

export interface RequestLoaders {
  studyUserAttributes: DataLoader<number, UserAttributes>;
  trialUserAttributes: DataLoader<number, UserAttributes>;
  /** Null when the trial has no values. */
  trialValues: DataLoader<number, number[] | null>;
  trialParams: DataLoader<number, TrialParam[]>;
  trialIntermediateValues: DataLoader<number, IntermediateValue[]>;
  bestTrialId: DataLoader<number, number | null>;
  /** Key: [studyId, number]. */
  trialByNumber: DataLoader<readonly [number, number], TrialRecord | null, string>;
  /** Trials per study in the given states (null = all). */
  trialCount(states: readonly TrialState[] | null): DataLoader<number, number>;
  /** One page of trials per study, for one set of page arguments. */
  trialPage(query: TrialPageQuery): DataLoader<number, TrialRecord[]>;
  /** All artifacts of each trial, newest first. */
  trialArtifacts: DataLoader<number, ArtifactRecord[]>;
  /** Each study's own artifacts, newest first. */
  studyArtifacts: DataLoader<number, ArtifactRecord[]>;
  /** The attribute tables' largest row ids, read once so all artifact cursors of a response agree. */
  attributeRowIds(): AttributeRowIds;
}

/** A loader over a batch query that returns a Map; keys it does not return get `missing`. */
function mapLoader<Key, Value, CacheKey = Key>(
  load: (keys: readonly Key[]) => Map<CacheKey, Value>,
  missing: Value,
  cacheKeyFn?: (key: Key) => CacheKey,
): DataLoader<Key, Value, CacheKey> {
  const cacheKeyOf = cacheKeyFn ?? ((key: Key) => key as unknown as CacheKey);
  return new DataLoader<Key, Value, CacheKey>(
    async (keys) => {
      const found = load(keys);
      return keys.map((key) => {
        const cacheKey = cacheKeyOf(key);
        return found.has(cacheKey) ? (found.get(cacheKey) as Value) : missing;
      });
    },
    cacheKeyFn ? { cacheKeyFn } : {},
  );
}

/** One loader per distinct argument set (arguments are part of the query, not the key). */
function perArguments<Arguments, Loader>(create: (args: Arguments) => Loader): (args: Arguments) => Loader {
  const loaders = new Map<string, Loader>();
  return (args) => {
    const key = JSON.stringify(args);
    let loader = loaders.get(key);
    if (!loader) {
      loader = create(args);
      loaders.set(key, loader);
    }
    return loader;
  };
}

function groupByOwner(records: readonly ArtifactRecord[], ownerOf: (record: ArtifactRecord) => number | null): Map<number, ArtifactRecord[]> {
  const groups = new Map<number, ArtifactRecord[]>();
  for (const record of records) {
    const owner = ownerOf(record);
    if (owner === null) continue;
    const group = groups.get(owner);
    if (group) group.push(record);
    else groups.set(owner, [record]);
  }
  return groups;
}

export function createRequestLoaders(database: OptunaDatabase): RequestLoaders {
  let attributeRowIds: AttributeRowIds | null = null;
  return {
    studyUserAttributes: mapLoader((ids) => database.studies.userAttributes(ids), {}),
    trialUserAttributes: mapLoader((ids) => database.trialDetails.userAttributes(ids), {}),
    trialValues: mapLoader<number, number[] | null>((ids) => database.trialDetails.values(ids), null),
    trialParams: mapLoader((ids) => database.trialDetails.params(ids), []),
    trialIntermediateValues: mapLoader((ids) => database.trialDetails.intermediateValues(ids), []),
    bestTrialId: mapLoader<number, number | null>((ids) => database.studies.bestTrialIds(ids), null),
    trialByNumber: mapLoader<readonly [number, number], TrialRecord | null, string>(
      (keys) => new Map(database.trials.byStudyAndNumber(keys).map((trial) => [`${trial.studyId}:${trial.number}`, trial])),
      null,
      ([studyId, number]) => `${studyId}:${number}`,
    ),
    trialCount: perArguments((states: readonly TrialState[] | null) =>
      mapLoader((ids) => database.studies.trialCounts(ids, states), 0),
    ),
    trialPage: perArguments((query: TrialPageQuery) => mapLoader((ids) => database.trials.pagesByStudy(ids, query), [])),
    trialArtifacts: mapLoader(
      (ids) => groupByOwner(artifactRecordsFromRows(database.artifactAttributes.forTrials(ids), database.log), (r) => r.trialId),
      [],
    ),
    studyArtifacts: mapLoader(
      (ids) => groupByOwner(artifactRecordsFromRows(database.artifactAttributes.forStudies(ids), database.log), (r) => r.studyId),
      [],
    ),
    attributeRowIds: () => (attributeRowIds ??= database.artifactAttributes.rowIdBounds()),
  };
}
