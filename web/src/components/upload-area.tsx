// The "Upload" file input, and the same area as a drop target: several files at once, each
// with its own <progress> and, when it fails, the server's error code.
import { useId, useState } from 'preact/hooks';
import { GraphQLRequestError } from '../graphql.ts';
import type { Artifact, ArtifactOwner } from '../live-artifacts.ts';
import { useSession } from '../session.ts';
import { uploadFile } from '../upload.ts';

interface FileUpload {
  id: number;
  name: string;
  /** 0..1 */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  error?: string;
}

let nextUploadId = 1;

export function UploadArea({ owner, onUploaded }: { owner: ArtifactOwner; onUploaded(artifact: Artifact): void }) {
  const { token, writeBlockedReason } = useSession();
  const [uploads, setUploads] = useState<FileUpload[]>([]);
  const [dragging, setDragging] = useState(false);
  const noteId = useId();
  const disabled = writeBlockedReason !== null;

  const update = (id: number, change: Partial<FileUpload>): void =>
    setUploads((current) => current.map((upload) => (upload.id === id ? { ...upload, ...change } : upload)));

  // One file after another: each gets the whole connection, and the page keeps connections
  // free for the live feed and previews (browsers allow six per server).
  const uploadAll = async (files: File[]): Promise<void> => {
    const started = files.map((file) => ({ file, id: nextUploadId++ }));
    setUploads((current) => [
      ...current,
      ...started.map(({ file, id }) => ({ id, name: file.name, progress: 0, state: 'uploading' as const })),
    ]);
    for (const { file, id } of started) {
      try {
        const artifact = await uploadFile(file, owner, token, (progress) => update(id, { progress }));
        update(id, { progress: 1, state: 'done' });
        onUploaded(artifact);
      } catch (reason) {
        const error = reason instanceof GraphQLRequestError ? `${reason.code}: ${reason.message}` : String(reason);
        update(id, { state: 'failed', error });
      }
    }
  };

  const onDrop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    if (disabled) return;
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) void uploadAll(files);
  };

  return (
    <div
      class={`upload-area${dragging ? ' dragging' : ''}${disabled ? ' disabled' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <label class="upload-label">
        Upload
        <input
          type="file"
          multiple
          disabled={disabled}
          aria-describedby={noteId}
          onChange={(event) => {
            const input = event.currentTarget;
            const files = [...(input.files ?? [])];
            input.value = '';
            if (files.length > 0) void uploadAll(files);
          }}
        />
      </label>
      <p id={noteId} class="note">
        {writeBlockedReason ?? 'Choose files, or drop them here. Several files upload one after another.'}
      </p>
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((upload) => (
            <li key={upload.id} class={`upload upload-${upload.state}`}>
              <span class="upload-name">{upload.name}</span>
              <progress max={100} value={Math.round(upload.progress * 100)} aria-label={`Upload of ${upload.name}`} />
              <span class="upload-state">
                {upload.state === 'failed' ? (
                  <span role="alert" class="error">
                    {upload.error}
                  </span>
                ) : upload.state === 'done' ? (
                  'Done'
                ) : (
                  `${Math.round(upload.progress * 100)} %`
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
