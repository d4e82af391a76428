// The artifacts of a study or a trial, live: the indicator, the upload area (where uploads are
// allowed), the list and its "Show older artifacts" button.
import type { ComponentChildren } from 'preact';
import { useLiveArtifacts, type ArtifactOwner } from '../live-artifacts.ts';
import { useSession } from '../session.ts';
import { ArtifactList } from './artifact-list.tsx';
import { LiveIndicator } from './live-indicator.tsx';
import { UploadArea } from './upload-area.tsx';

export function ArtifactsSection({
  owner,
  title,
  uploadsClosedReason,
}: {
  owner: ArtifactOwner;
  title: string;
  /** Why this owner takes no uploads (a finished trial); null when it does. */
  uploadsClosedReason: ComponentChildren | null;
}) {
  const { token, tokenRequired } = useSession();
  const live = useLiveArtifacts(owner, token, tokenRequired);
  return (
    <section class="artifacts-section" aria-labelledby="artifacts-heading">
      <div class="section-head">
        <h2 id="artifacts-heading">
          {title} <span class="count">({live.totalCount})</span>
        </h2>
        <LiveIndicator status={live.status} />
      </div>
      {uploadsClosedReason === null ? (
        <UploadArea owner={owner} onUploaded={live.added} />
      ) : (
        <p class="note">{uploadsClosedReason}</p>
      )}
      {live.error && (
        <p class="error" role="alert">
          {live.error}
        </p>
      )}
      {live.loading ? <p>Loading artifacts…</p> : <ArtifactList artifacts={live.artifacts} onDeleted={live.removed} />}
      {live.hasMore && (
        <button type="button" onClick={live.loadMore}>
          Show older artifacts
        </button>
      )}
    </section>
  );
}
