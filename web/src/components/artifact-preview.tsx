// An artifact shown inline: images as <img>, audio and video with native controls, text, JSON
// and logs as text and CSV as a table (from the first 64 KiB, read with a Range request).
// Nothing of an artifact runs in this page: media load from the download route (which sends
// a sandboxing policy), and text is put into the page as text, never as markup.
import { useEffect, useState } from 'preact/hooks';
import type { Artifact } from '../live-artifacts.ts';
import { parseCsv } from '../csv.ts';
import { formatSize } from '../format.ts';

/** How much of a text artifact is fetched for its preview. */
const previewBytes = 64 * 1024;
const maxTableRows = 200;

type PreviewKind = 'image' | 'audio' | 'video' | 'csv' | 'text' | 'none';

const textExtensions = /\.(txt|log|out|err|md|json|jsonl|ndjson|yaml|yml|toml|ini|cfg|py|csv|tsv)$/i;
const textTypes = /^(text\/|application\/(json|x-ndjson|yaml|x-yaml|toml|xml))/;

export function previewKind(artifact: Pick<Artifact, 'mimetype' | 'encoding' | 'filename'>): PreviewKind {
  // Compressed bytes are downloaded as they are stored; the browser would not decode them.
  if (artifact.encoding) return 'none';
  const { mimetype, filename } = artifact;
  if (mimetype.startsWith('image/')) return 'image';
  if (mimetype.startsWith('audio/')) return 'audio';
  if (mimetype.startsWith('video/')) return 'video';
  if (mimetype === 'text/csv' || /\.csv$/i.test(filename)) return 'csv';
  if (textTypes.test(mimetype) || textExtensions.test(filename)) return 'text';
  return 'none';
}

interface TextPreview {
  text: string;
  /** The whole size when only its beginning is shown. */
  truncatedFrom: number | null;
}

async function fetchTextPreview(url: string): Promise<TextPreview> {
  const response = await fetch(url, { headers: { Range: `bytes=0-${previewBytes - 1}` } });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const total = Number(/\/(\d+)$/.exec(response.headers.get('Content-Range') ?? '')?.[1] ?? NaN);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const truncated = response.status === 206 && total > bytes.length;
  let text = new TextDecoder().decode(bytes);
  // A cut-off preview ends at its last whole line.
  if (truncated && text.includes('\n')) text = text.slice(0, text.lastIndexOf('\n'));
  return { text, truncatedFrom: truncated ? total : null };
}

function TextOrTable({ artifact, asTable }: { artifact: Artifact; asTable: boolean }) {
  const [preview, setPreview] = useState<TextPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // An empty file has no byte range to ask for (the server would answer 416).
    if (artifact.size === 0) {
      setPreview({ text: '', truncatedFrom: null });
      return;
    }
    let cancelled = false;
    fetchTextPreview(artifact.downloadUrl).then(
      (loaded) => !cancelled && setPreview(loaded),
      (reason: unknown) => !cancelled && setError(reason instanceof Error ? reason.message : String(reason)),
    );
    return () => {
      cancelled = true;
    };
  }, [artifact.downloadUrl, artifact.size]);

  if (error) return <p class="preview-error">No preview: {error}</p>;
  if (!preview) return <p class="preview-loading">Loading preview…</p>;
  const note = preview.truncatedFrom !== null && (
    <p class="preview-note">
      The first {formatSize(previewBytes)} of {formatSize(preview.truncatedFrom)}.
    </p>
  );
  if (asTable) {
    const [header, ...rows] = parseCsv(preview.text, maxTableRows + 1);
    if (header) {
      return (
        <div class="preview-table" tabIndex={0} role="region" aria-label={`Contents of ${artifact.filename}`}>
          <table>
            <thead>
              <tr>
                {header.map((cell, index) => (
                  <th key={index} scope="col">
                    {cell}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, rowIndex) => (
                <tr key={rowIndex}>
                  {row.map((cell, index) => (
                    <td key={index}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {note}
        </div>
      );
    }
  }
  return (
    <div class="preview-text" tabIndex={0} role="region" aria-label={`Contents of ${artifact.filename}`}>
      <pre>{preview.text === '' ? '(empty)' : preview.text}</pre>
      {note}
    </div>
  );
}

export function ArtifactPreview({ artifact }: { artifact: Artifact }) {
  switch (previewKind(artifact)) {
    case 'image':
      return <img class="preview-image" src={artifact.downloadUrl} alt={artifact.filename} loading="lazy" />;
    case 'audio':
      return <audio controls preload="metadata" src={artifact.downloadUrl} aria-label={artifact.filename} />;
    case 'video':
      return (
        <video
          class="preview-video"
          controls
          preload="metadata"
          src={artifact.downloadUrl}
          aria-label={artifact.filename}
        />
      );
    case 'csv':
      return <TextOrTable artifact={artifact} asTable />;
    case 'text':
      return <TextOrTable artifact={artifact} asTable={false} />;
    case 'none':
      return null;
  }
}
