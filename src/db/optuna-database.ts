// The storage contract: everything the server asks of Optuna's RDB storage, whatever the
// dialect. sqlite-database.ts is the SQLite adapter; nothing above src/db knows which one runs.
//
// Every method is asynchronous: a database that cannot answer right away (another process holds
// the lock, a pool is exhausted) makes the caller wait without blocking the event loop, and
// one that cannot answer in time (the busy timeout) rejects with DATABASE_UNAVAILABLE.
import type {
  ArtifactAttributeRow,
  ArtifactRowFilter,
  AttributeRowIds,
  RowIdRange,
  RowIdRanges,
  AttributeSource,
} from './queries/artifact-attribute-queries.js';
import type {
  ArtifactOwner,
  DeleteArtifactAttributeOptions,
  InsertArtifactAttributeOptions,
  NewArtifactAttribute,
} from './artifact-attribute-writes.js';
import type { OnceLogger } from './database-logger.js';
import type { StatementCounter } from './statement-counter.js';
import type { StudyPageQuery, StudyRecord } from './queries/study-queries.js';
import type { IntermediateValue, TrialParam } from './queries/trial-detail-queries.js';
import type { TrialPageQuery, TrialRecord } from './queries/trial-queries.js';
import type { UserAttributes } from './queries/user-attributes.js';
import type { StudyDirection, TrialState } from '../optuna/enums.js';
import type { TrialFinishRequest } from '../optuna/ask-tell-rules.js';

/** Reads of studies. Batch methods take many studies and cost one statement whatever their number. */
export interface StudyQueries {
  /** The studies that exist among `studyIds`, in no particular order. */
  byIds(studyIds: readonly number[]): Promise<StudyRecord[]>;
  /** The id of the study with exactly this name; null when there is none. */
  idByName(name: string): Promise<number | null>;
  /** One page of studies by id. */
  page(query: StudyPageQuery): Promise<StudyRecord[]>;
  /** How many studies there are (whose name contains `nameContains`, when given). */
  count(nameContains?: string | null): Promise<number>;
  /** User attributes per study; unreadable values are skipped and reported once. */
  userAttributes(studyIds: readonly number[]): Promise<Map<number, UserAttributes>>;
  /** Trials per study, only in the given states unless null. Studies without any are absent. */
  trialCounts(studyIds: readonly number[], states: readonly TrialState[] | null): Promise<Map<number, number>>;
  /**
   * Best COMPLETE trial of each single-objective study, ranked as upstream Optuna's
   * `find_{max,min}_value_trial_id` does: by value type (-inf < finite < +inf), then value;
   * ties go to the earliest trial. Multi-objective studies and studies without a complete
   * trial are absent.
   */
  bestTrialIds(studyIds: readonly number[]): Promise<Map<number, number>>;
}

/** Reads of trials. */
export interface TrialQueries {
  /** The trials that exist among `trialIds`, in no particular order. */
  byIds(trialIds: readonly number[]): Promise<TrialRecord[]>;
  /** Trials by (study id, number); a pair without a trial is absent. */
  byStudyAndNumber(keys: readonly (readonly [studyId: number, number: number])[]): Promise<TrialRecord[]>;
  /** One page of trials for each study, in (number, trial id) order, in one statement. */
  pagesByStudy(studyIds: readonly number[], query: TrialPageQuery): Promise<Map<number, TrialRecord[]>>;
}

/** What hangs off trials, per trial; trials without any are absent. */
export interface TrialDetailQueries {
  /** Values in objective order. */
  values(trialIds: readonly number[]): Promise<Map<number, number[]>>;
  /** Parameters in the order they were suggested. */
  params(trialIds: readonly number[]): Promise<Map<number, TrialParam[]>>;
  /** Intermediate values by step. */
  intermediateValues(trialIds: readonly number[]): Promise<Map<number, IntermediateValue[]>>;
  /** User attributes; unreadable values are skipped and reported once. */
  userAttributes(trialIds: readonly number[]): Promise<Map<number, UserAttributes>>;
}

/**
 * Raw artifact metadata rows (see artifact-attribute-queries.ts for where they live). "Newest
 * first" orders by row id, and at equal ids puts the trial row first (src/artifacts/artifact-cursor.ts).
 */
export interface ArtifactAttributeQueries {
  /** Artifact rows of these trials (legacy dashboard rows included), newest first. */
  forTrials(trialIds: readonly number[]): Promise<ArtifactAttributeRow[]>;
  /** The studies' own artifact rows (not their trials'), newest first. */
  forStudies(studyIds: readonly number[]): Promise<ArtifactAttributeRow[]>;
  /** Rows matching `filter` with ids at or below `atOrBelow` in each table, newest first; `limit` -1 = all. */
  page(filter: ArtifactRowFilter, atOrBelow: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]>;
  /** Rows matching `filter` with an id above `above` in their table, oldest first (for replays). */
  newerThan(filter: ArtifactRowFilter, above: AttributeRowIds, limit: number): Promise<ArtifactAttributeRow[]>;
  /** Rows whose key names one of these artifact ids (a trial's own row before a study's). */
  byArtifactIds(artifactIds: readonly string[]): Promise<ArtifactAttributeRow[]>;
  /** Every artifact row (tombstones and malformed rows included) with an id in the ranges, oldest first. */
  inRowIdRanges(ranges: RowIdRanges): Promise<ArtifactAttributeRow[]>;
  /** The largest row id of each attribute table now (0 for an empty table). */
  rowIdBounds(): Promise<AttributeRowIds>;
}

/** Optuna's create_study. */
export interface StudyWrites {
  /** Directions must already be validated (src/optuna/ask-tell-rules.ts). BAD_USER_INPUT when the name is taken. */
  create(name: string, directions: readonly StudyDirection[]): Promise<StudyRecord>;
}

/** Optuna's ask and tell, each in one short write transaction. */
export interface TrialWrites {
  /** Optuna's ask: a new RUNNING trial whose number counts the study's earlier trials. NOT_FOUND for an unknown study. */
  create(studyId: number): Promise<TrialRecord>;
  /** Optuna's tell: checks the request against the trial, then stores state, values and time. */
  finish(trialId: number, request: TrialFinishRequest): Promise<TrialRecord>;
}

/** Artifact metadata rows, each change in one short write transaction that also checks the owner. */
export interface ArtifactAttributeWrites {
  /**
   * Inserts the `artifacts:<artifactId>` system attribute of the owner. Rejects with NOT_FOUND
   * for an unknown owner and TRIAL_FINISHED for a finished trial (unless allowed).
   */
  insert(
    owner: ArtifactOwner,
    artifactId: string,
    valueJson: string,
    options: InsertArtifactAttributeOptions,
  ): Promise<ArtifactAttributeRow>;
  /**
   * Inserts the rows of several artifacts of one owner in ONE transaction: all are committed,
   * or none (the owner checks as for `insert`).
   */
  insertAll(
    owner: ArtifactOwner,
    artifacts: readonly NewArtifactAttribute[],
    options: InsertArtifactAttributeOptions,
  ): Promise<ArtifactAttributeRow[]>;
  /**
   * Deletes every metadata row naming the artifact (Optuna's and legacy dashboard rows) and
   * returns them; an empty list means there was none. Rows are deleted, never tombstoned:
   * Optuna's `get_all_artifact_meta` crashes on tombstones.
   */
  delete(artifactId: string, options?: DeleteArtifactAttributeOptions): Promise<ArtifactAttributeRow[]>;
}

/** Opaque: pass the `version` of one answer of `watchArtifacts` to the next call. */
export type DataVersion = number;

/** What one look of the artifact watcher asks for (src/events/artifact-watcher.ts). */
export interface ArtifactWatchLook {
  /** The version of the previous answer: when the database can tell that nothing was committed since, nothing is read. */
  since: DataVersion | null;
  /** Every artifact row above these ids is read in full. */
  above: AttributeRowIds;
  /** Per table, an id range to summarize (null: none). */
  summarize: { study: RowIdRange | null; trial: RowIdRange | null };
}

/**
 * The live artifact rows of one id range: how many there are and the sum of their ids. Live:
 * an artifact key (and in the study table a legacy dashboard key) whose `value_json` is neither
 * `null` nor `"null"` (optuna-dashboard's tombstones); a NULL value counts.
 */
export interface RangeSummary {
  count: number;
  idSum: number;
}

export interface ArtifactWatchAnswer {
  version: DataVersion;
  /** Null when nothing can have changed since the version passed in (SQLite's data_version). */
  changes: {
    /** Artifact rows above `look.above`, oldest first (tombstones and malformed rows included). */
    rows: ArtifactAttributeRow[];
    /** The largest id of each table (any row). */
    bounds: AttributeRowIds;
    summaries: { study: RangeSummary; trial: RangeSummary };
  } | null;
}

/** What another instance said it wrote (PostgreSQL NOTIFY): the row ids it inserted or deleted. */
export interface ArtifactWriteNotice {
  kind: 'created' | 'deleted';
  source: AttributeSource;
  rowIds: number[];
}

/** Notices of artifact writes by instances on the same database. */
export interface ArtifactWriteListener {
  /** Called with every notice, and with null after the channel was down (notices may have been lost). */
  onNotice(notice: ArtifactWriteNotice | null): void;
}

export interface OptunaDatabase {
  /** Counts every application statement (tests pin query counts with it: no N+1). */
  readonly statements: StatementCounter;
  /** Where skipped (malformed) rows are reported, once each. */
  readonly log: OnceLogger;
  readonly studies: StudyQueries;
  readonly trials: TrialQueries;
  readonly trialDetails: TrialDetailQueries;
  readonly artifactAttributes: ArtifactAttributeQueries;
  readonly studyWrites: StudyWrites;
  readonly trialWrites: TrialWrites;
  readonly artifactAttributeWrites: ArtifactAttributeWrites;
  /**
   * One look of the watcher of artifacts other processes write, read in one snapshot; its cost
   * follows the rows above `look.above` and the summarized ranges, not the database's size.
   */
  watchArtifacts(look: ArtifactWatchLook): Promise<ArtifactWatchAnswer>;
  /**
   * Listens for the artifact writes of every instance on the same database (each of them sends a
   * notice when its write commits); null when the dialect has no such channel (SQLite, MySQL),
   * where looks at the watch interval find them. Resolves once listening; the function stops it.
   */
  listenForArtifactWrites(listener: ArtifactWriteListener): Promise<(() => Promise<void>) | null>;
  /** Resolves when the database answers a read (for readiness); rejects otherwise, within the busy timeout. */
  checkReadable(): Promise<void>;
  /** Closes the connection(s) (a pool ends asynchronously); work still waiting for a lock rejects with DATABASE_UNAVAILABLE. */
  close(): Promise<void>;
}
