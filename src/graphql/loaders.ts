// Per-request dataloaders for everything nested under studies and trials: each turns the
// keys requested during one tick into ONE set-based query, so a page of N trials costs the
// same number of statements whatever N is.
import DataLoader from 'dataloader';
import { artifactRecordsFromRows, type ArtifactRecord } from '../artifacts/artifact-records.js';
import type { ArtifactAttributeRow, AttributeRowIds } from '../db/queries/artifact-attribute-queries.js';
import type { OptunaDatabase } from '../db/optuna-database.js';
import type { IntermediateValue, TrialParam } from '../db/queries/trial-detail-queries.js';
import type { TrialPageQuery, TrialRecord } from '../db/queries/trial-queries.js';
import type { UserAttributes } from '../db/queries/user-attributes.js';
import type { TrialState } from '../optuna/enums.js';
import { groupBy } from '../group-by.js';

export interface RequestLoaders {
  studyUserAttributes: BatchLoader<number, UserAttributes>;
  trialUserAttributes: BatchLoader<number, UserAttributes>;
  /** Null when the trial has no values. */
  trialValues: BatchLoader<number, number[] | null>;
  trialParams: BatchLoader<number, TrialParam[]>;
  trialIntermediateValues: BatchLoader<number, IntermediateValue[]>;
  bestTrialId: BatchLoader<number, number | null>;
  /** Key: [studyId, number]. */
  trialByNumber: BatchLoader<readonly [number, number], TrialRecord | null, string>;
  /** Trials per study in the given states (null = all). */
  trialCount(states: readonly TrialState[] | null): BatchLoader<number, number>;
  /** One page of trials per study, for one set of page arguments. */
  trialPage(query: TrialPageQuery): BatchLoader<number, TrialRecord[]>;
  /** All artifacts of each trial, newest first. */
  trialArtifacts: BatchLoader<number, ArtifactRecord[]>;
  /** Each study's own artifacts, newest first. */
  studyArtifacts: BatchLoader<number, ArtifactRecord[]>;
  /**
   * The attribute tables' largest row ids, read once (before any artifact row) so that all
   * artifact cursors of a response agree; the value itself once read, as BatchLoader.get.
   */
  attributeRowIds(): AttributeRowIds | Promise<AttributeRowIds>;
}

/**
 * A request's loaders, made on first use (a mutation or a feed of artifact fields needs none).
 * A subscription's context outlives many events: `renew()` gives the next event fresh ones.
 */
export class RenewableRequestLoaders {
  #loaders: RequestLoaders | undefined;

  constructor(private readonly database: OptunaDatabase) {}

  get current(): RequestLoaders {
    return (this.#loaders ??= createRequestLoaders(this.database));
  }

  renew(): void {
    this.#loaders = undefined;
  }
}

/**
 * A dataloader over a batch query that returns a Map (keys it does not return get `missing`),
 * which also keeps what it has loaded, so a field can take a value without a promise once it
 * is there: after `prefetch`, the fields of a thousand list items complete in one synchronous
 * pass instead of a thousand promise chains.
 */
export class BatchLoader<Key, Value, CacheKey = Key> {
  private readonly loaded = new Map<CacheKey, Value>();
  private readonly loader: DataLoader<Key, Value, CacheKey>;
  private readonly cacheKeyOf: (key: Key) => CacheKey;
  /** Keys asked for by `prefetch` during this tick, and the end of their batch. */
  private prefetchKeys: Key[] = [];
  private prefetched: Promise<void> | null = null;

  constructor(
    private readonly batch: (keys: readonly Key[]) => Promise<Map<CacheKey, Value>>,
    private readonly missing: Value,
    cacheKeyFn?: (key: Key) => CacheKey,
  ) {
    const cacheKeyOf = cacheKeyFn ?? ((key: Key) => key as unknown as CacheKey);
    this.cacheKeyOf = cacheKeyOf;
    this.loader = new DataLoader<Key, Value, CacheKey>(
      async (keys) => this.loadBatch(keys),
      cacheKeyFn ? { cacheKeyFn } : {},
    );
  }

  load(key: Key): Promise<Value> {
    const cacheKey = this.cacheKeyOf(key);
    return this.loaded.has(cacheKey) ? Promise.resolve(this.loaded.get(cacheKey) as Value) : this.loader.load(key);
  }

  /** The value itself when this request has loaded it already, else a promise of it (as `load`). */
  get(key: Key): Value | Promise<Value> {
    const cacheKey = this.cacheKeyOf(key);
    const value = this.loaded.get(cacheKey);
    return value !== undefined || this.loaded.has(cacheKey) ? (value as Value) : this.loader.load(key);
  }

  /**
   * Loads `keys` ahead of their fields, so that those find them loaded: the keys of every
   * `prefetch` of this tick go into ONE batch, as with `load` (several studies' trial pages
   * cost one statement), without a promise per key. Never rejects: when the batch fails, the
   * keys are left to their fields, whose `get` loads them again and reports the error where it
   * belongs.
   */
  prefetch(keys: readonly Key[]): Promise<void> {
    for (const key of keys) if (!this.loaded.has(this.cacheKeyOf(key))) this.prefetchKeys.push(key);
    if (this.prefetchKeys.length === 0) return this.prefetched ?? Promise.resolve();
    return (this.prefetched ??= afterThisTick().then(() => this.runPrefetch()));
  }

  private async runPrefetch(): Promise<void> {
    const keys: Key[] = [];
    const seen = new Set<CacheKey>();
    for (const key of this.prefetchKeys) {
      const cacheKey = this.cacheKeyOf(key);
      if (seen.has(cacheKey) || this.loaded.has(cacheKey)) continue;
      seen.add(cacheKey);
      keys.push(key);
    }
    this.prefetchKeys = [];
    this.prefetched = null;
    if (keys.length === 0) return;
    try {
      await this.loadBatch(keys);
    } catch {
      // Left to the fields (see prefetch).
    }
  }

  private async loadBatch(keys: readonly Key[]): Promise<Value[]> {
    const found = await this.batch(keys);
    return keys.map((key) => {
      const cacheKey = this.cacheKeyOf(key);
      const value = found.has(cacheKey) ? (found.get(cacheKey) as Value) : this.missing;
      this.loaded.set(cacheKey, value);
      return value;
    });
  }
}

/** Resolves once the promise jobs of this tick have run (when DataLoader dispatches its batches). */
function afterThisTick(): Promise<void> {
  return new Promise((resolve) => {
    void Promise.resolve().then(() => process.nextTick(resolve));
  });
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

function createRequestLoaders(database: OptunaDatabase): RequestLoaders {
  let attributeRowIds: AttributeRowIds | Promise<AttributeRowIds> | undefined;
  const loadAttributeRowIds = (): AttributeRowIds | Promise<AttributeRowIds> =>
    (attributeRowIds ??= database.artifactAttributes.rowIdBounds().then((rowIds) => (attributeRowIds = rowIds)));
  /** Artifact rows, read after the row ids their cursors will name (a row added between is then above them). */
  const loadArtifactRecords = async (rows: () => Promise<ArtifactAttributeRow[]>): Promise<ArtifactRecord[]> => {
    await loadAttributeRowIds();
    return artifactRecordsFromRows(await rows(), database.log);
  };
  return {
    studyUserAttributes: new BatchLoader((ids) => database.studies.userAttributes(ids), {}),
    trialUserAttributes: new BatchLoader((ids) => database.trialDetails.userAttributes(ids), {}),
    trialValues: new BatchLoader<number, number[] | null>((ids) => database.trialDetails.values(ids), null),
    trialParams: new BatchLoader((ids) => database.trialDetails.params(ids), []),
    trialIntermediateValues: new BatchLoader((ids) => database.trialDetails.intermediateValues(ids), []),
    bestTrialId: new BatchLoader<number, number | null>((ids) => database.studies.bestTrialIds(ids), null),
    trialByNumber: new BatchLoader<readonly [number, number], TrialRecord | null, string>(
      async (keys) =>
        new Map(
          (await database.trials.byStudyAndNumber(keys)).map((trial) => [`${trial.studyId}:${trial.number}`, trial]),
        ),
      null,
      ([studyId, number]) => `${studyId}:${number}`,
    ),
    trialCount: perArguments(
      (states: readonly TrialState[] | null) => new BatchLoader((ids) => database.studies.trialCounts(ids, states), 0),
    ),
    trialPage: perArguments(
      (query: TrialPageQuery) => new BatchLoader((ids) => database.trials.pagesByStudy(ids, query), []),
    ),
    trialArtifacts: new BatchLoader(
      // Every row of forTrials names its trial.
      async (ids) =>
        groupBy(
          await loadArtifactRecords(() => database.artifactAttributes.forTrials(ids)),
          (record) => record.trialId!,
        ),
      [],
    ),
    studyArtifacts: new BatchLoader(
      async (ids) =>
        groupBy(
          await loadArtifactRecords(() => database.artifactAttributes.forStudies(ids)),
          (record) => record.studyId,
        ),
      [],
    ),
    attributeRowIds: loadAttributeRowIds,
  };
}
