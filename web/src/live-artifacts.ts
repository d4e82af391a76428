// The artifacts of one study (its own) or one trial, kept current: the newest page from the
// list query, then the live feeds. The created feed starts `since` the list's newest cursor,
// so nothing falls between the list and the feed; the deleted feed cannot resume from a list
// cursor (the server keeps deletions in memory only), so it starts from now and the list is
// reloaded once it is live.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ArtifactCreatedSubscription,
  ArtifactDeletedSubscription,
  StudyArtifactsQuery,
  TrialArtifactsQuery,
  type ArtifactFields,
} from './documents.ts';
import { request, type ResultOf } from './graphql.ts';
import { followFeed, type FeedStatus } from './resumable-feed.ts';

export type Artifact = ResultOf<typeof ArtifactFields>;

export type ArtifactOwner = { studyId: number; trialId?: undefined } | { trialId: number; studyId?: undefined };

/** How many artifacts a page of the list holds. */
const pageSize = 50;

interface ArtifactListState {
  artifacts: Artifact[];
  totalCount: number;
  endCursor: string | null;
  hasMore: boolean;
}

export interface LiveArtifacts extends ArtifactListState {
  loading: boolean;
  error: string | null;
  status: FeedStatus;
  loadMore(): void;
  /** An artifact this page uploaded (the feed brings it too; it is shown once). */
  added(artifact: Artifact): void;
  /** An artifact this page deleted. */
  removed(artifactId: string): void;
}

type ArtifactPage = NonNullable<ResultOf<typeof StudyArtifactsQuery>['study']>['artifacts'];

async function fetchPage(owner: ArtifactOwner, after: string | null): Promise<ArtifactPage> {
  if (owner.studyId !== undefined) {
    const data = await request(StudyArtifactsQuery, { studyId: owner.studyId, first: pageSize, after });
    if (!data.study) throw new Error(`study ${owner.studyId} does not exist`);
    return data.study.artifacts;
  }
  const data = await request(TrialArtifactsQuery, { trialId: owner.trialId, first: pageSize, after });
  if (!data.trial) throw new Error(`trial ${owner.trialId} does not exist`);
  return data.trial.artifacts;
}

/** The owner's feed filter brings a study's trial artifacts too; the study view lists only its own. */
const belongsTo = (owner: ArtifactOwner, trialId: number | null): boolean =>
  owner.studyId === undefined || trialId === null;

/** The least live of two feeds is what the indicator shows. */
const feedStatusOrder: FeedStatus[] = ['needs-token', 'failed', 'reconnecting', 'connecting', 'live'];
const leastLive = (a: FeedStatus, b: FeedStatus): FeedStatus =>
  feedStatusOrder.indexOf(a) <= feedStatusOrder.indexOf(b) ? a : b;

const emptyList: ArtifactListState = { artifacts: [], totalCount: 0, endCursor: null, hasMore: false };

export function useLiveArtifacts(owner: ArtifactOwner, token: string | null, tokenRequired: boolean): LiveArtifacts {
  const [list, setList] = useState<ArtifactListState>(emptyList);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [createdStatus, setCreatedStatus] = useState<FeedStatus>('connecting');
  const [deletedStatus, setDeletedStatus] = useState<FeedStatus>('connecting');
  // Deleted ids are remembered so a reload or a replayed creation does not bring them back.
  const deletedIds = useRef(new Set<string>());
  const ownerKey = `${owner.studyId ?? ''}:${owner.trialId ?? ''}`;

  const added = useCallback((artifact: Artifact) => {
    if (deletedIds.current.has(artifact.artifactId)) return;
    setList((current) =>
      current.artifacts.some((known) => known.artifactId === artifact.artifactId)
        ? current
        : { ...current, artifacts: [artifact, ...current.artifacts], totalCount: current.totalCount + 1 },
    );
  }, []);

  const removed = useCallback((artifactId: string) => {
    deletedIds.current.add(artifactId);
    setList((current) => {
      const artifacts = current.artifacts.filter((known) => known.artifactId !== artifactId);
      if (artifacts.length === current.artifacts.length) return current;
      return { ...current, artifacts, totalCount: current.totalCount - 1 };
    });
  }, []);

  useEffect(() => {
    let cancelled = false;
    const stopFeeds: (() => void)[] = [];
    const showPage = (page: ArtifactPage): void => {
      if (cancelled) return;
      const artifacts = page.edges.map((edge) => edge.node).filter((node) => !deletedIds.current.has(node.artifactId));
      setList({
        artifacts,
        totalCount: page.totalCount,
        endCursor: page.pageInfo.endCursor ?? null,
        hasMore: page.pageInfo.hasNextPage,
      });
    };
    const reload = (): void => {
      fetchPage(owner, null).then(showPage, (reason: unknown) => !cancelled && setError(String(reason)));
    };

    setLoading(true);
    setError(null);
    fetchPage(owner, null)
      .then((page) => {
        showPage(page);
        if (cancelled) return;
        setLoading(false);
        if (tokenRequired && token === null) {
          setCreatedStatus('needs-token');
          setDeletedStatus('needs-token');
          return;
        }
        const variables = owner.studyId !== undefined ? { studyId: owner.studyId } : { trialId: owner.trialId };
        stopFeeds.push(
          followFeed({
            document: ArtifactCreatedSubscription,
            variables,
            since: page.edges[0]?.cursor,
            token,
            onEvent: ({ artifactCreated }) => {
              if (belongsTo(owner, artifactCreated.artifact.trial?.trialId ?? null)) added(artifactCreated.artifact);
              return artifactCreated.cursor;
            },
            onStatus: setCreatedStatus,
            onConnectedFromNow: reload,
          }),
          followFeed({
            document: ArtifactDeletedSubscription,
            variables,
            since: undefined,
            token,
            onEvent: ({ artifactDeleted }) => {
              if (belongsTo(owner, artifactDeleted.deleted.trialId ?? null))
                removed(artifactDeleted.deleted.artifactId);
              return artifactDeleted.cursor;
            },
            onStatus: setDeletedStatus,
            onConnectedFromNow: reload,
          }),
        );
      })
      .catch((reason: unknown) => {
        if (cancelled) return;
        setLoading(false);
        setError(reason instanceof Error ? reason.message : String(reason));
      });
    return () => {
      cancelled = true;
      for (const stop of stopFeeds) stop();
    };
    // The owner is compared by its key: a new object for the same owner is the same list.
  }, [ownerKey, token, tokenRequired, added, removed]);

  const loadMore = useCallback(() => {
    if (list.endCursor === null) return;
    fetchPage(owner, list.endCursor).then(
      (page) =>
        setList((current) => {
          const known = new Set(current.artifacts.map((artifact) => artifact.artifactId));
          const older = page.edges
            .map((edge) => edge.node)
            .filter((node) => !known.has(node.artifactId) && !deletedIds.current.has(node.artifactId));
          return {
            ...current,
            artifacts: [...current.artifacts, ...older],
            endCursor: page.pageInfo.endCursor ?? null,
            hasMore: page.pageInfo.hasNextPage,
          };
        }),
      (reason: unknown) => setError(String(reason)),
    );
  }, [ownerKey, list.endCursor]);

  return {
    ...list,
    loading,
    error,
    status: leastLive(createdStatus, deletedStatus),
    loadMore,
    added,
    removed,
  };
}
