// A list of artifacts: name, size, type and time, the inline preview, a download link, and a
// "Delete FILENAME" button that asks for confirmation before deleting.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { DeleteArtifactMutation } from '../documents.ts';
import { formatSize, formatTime } from '../format.ts';
import { GraphQLRequestError, request } from '../graphql.ts';
import type { Artifact } from '../live-artifacts.ts';
import { useSession } from '../session.ts';
import { ArtifactPreview } from './artifact-preview.tsx';

/** `?download=1` makes the server send the file as an attachment under its name. */
const downloadHref = (url: string): string => `${url}${url.includes('?') ? '&' : '?'}download=1`;

function DeleteControl({
  artifact,
  onDeleted,
  blockedNoteId,
}: {
  artifact: Artifact;
  onDeleted(artifactId: string): void;
  blockedNoteId: string | undefined;
}) {
  const { token, writeBlockedReason } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  // Keyboard focus follows the question and comes back to the button when it is answered.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
    else if (wasConfirming.current) deleteButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await request(DeleteArtifactMutation, { artifactId: artifact.artifactId }, token);
      onDeleted(artifact.artifactId);
    } catch (reason) {
      setError(reason instanceof GraphQLRequestError ? `${reason.code}: ${reason.message}` : String(reason));
      setBusy(false);
      setConfirming(false);
    }
  };

  if (confirming) {
    return (
      <div class="confirm" role="group" aria-label={`Confirm deleting ${artifact.filename}`}>
        <span>Delete {artifact.filename} for good?</span>
        <button ref={confirmButton} type="button" class="danger" disabled={busy} onClick={() => void confirm()}>
          Yes, delete {artifact.filename}
        </button>
        <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <span>
      <button
        ref={deleteButton}
        type="button"
        class="danger"
        disabled={writeBlockedReason !== null}
        aria-describedby={writeBlockedReason !== null ? blockedNoteId : undefined}
        onClick={() => setConfirming(true)}
      >
        Delete {artifact.filename}
      </button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

export function ArtifactList({ artifacts, onDeleted }: { artifacts: Artifact[]; onDeleted(artifactId: string): void }) {
  const { writeBlockedReason } = useSession();
  const blockedNoteId = useId();
  if (artifacts.length === 0) return <p class="empty">No artifacts yet.</p>;
  return (
    <>
      {writeBlockedReason && (
        <p id={blockedNoteId} class="note">
          {writeBlockedReason}
        </p>
      )}
      <ul class="artifacts">
        {artifacts.map((artifact) => (
          <li key={artifact.artifactId} class="artifact" data-artifact-id={artifact.artifactId}>
            <div class="artifact-head">
              <h3 class="artifact-name">{artifact.filename}</h3>
              <span class="artifact-meta">
                {formatSize(artifact.size)} · {artifact.mimetype}
                {artifact.encoding ? ` (${artifact.encoding})` : ''} · {formatTime(artifact.createdAt)}
              </span>
            </div>
            <ArtifactPreview artifact={artifact} />
            <div class="artifact-actions">
              <a href={downloadHref(artifact.downloadUrl)} download={artifact.filename}>
                Download {artifact.filename}
              </a>
              <DeleteControl
                artifact={artifact}
                onDeleted={onDeleted}
                blockedNoteId={writeBlockedReason ? blockedNoteId : undefined}
              />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
