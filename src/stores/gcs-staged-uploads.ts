// Staged uploads on Google Cloud Storage: a V4 signed URL for one PUT of a small file, a
// resumable upload session (its URI is the capability) for a big one; the client sends the
// bytes there itself.
import type { Bucket } from '@google-cloud/storage';
import type {
  CompletedPart,
  IncompleteStagedUpload,
  StagedUploadRequest,
  StagedUploads,
  StagedUploadTarget,
} from './artifact-store.js';
import type { ObjectKeyLayout } from './object-key-layout.js';

/** V4 signed URLs live at most a week. */
const maximumExpiryMs = 7 * 24 * 3600 * 1000;

export class GCSStagedUploads implements StagedUploads {
  constructor(
    private readonly bucket: Bucket,
    private readonly layout: ObjectKeyLayout,
  ) {}

  /**
   * GCS has no sha256 of its own: a declared one is checked by the server at completion. A
   * session's single PUT may be resumed by the client with Content-Range, as GCS documents.
   */
  async createUpload(artifactId: string, request: StagedUploadRequest): Promise<StagedUploadTarget> {
    const file = this.bucket.file(this.layout.keyOf(artifactId));
    const headers = [{ name: 'Content-Type', value: request.contentType }];
    if (request.size <= request.partSize) {
      const [url] = await file.getSignedUrl({
        version: 'v4',
        action: 'write',
        expires: Date.now() + Math.min(request.expiresInSeconds * 1000, maximumExpiryMs),
        contentType: request.contentType,
      });
      return { url, parts: [], headers };
    }
    const [sessionUri] = await file.createResumableUpload({ metadata: { contentType: request.contentType } });
    return { uploadId: sessionUri, url: sessionUri, parts: [], headers };
  }

  // The object exists once its last byte arrived (the caller's stat finds out); nothing to finish.
  async completeUpload(
    _artifactId: string,
    _uploadId: string | undefined,
    _parts: readonly CompletedPart[] | undefined,
  ): Promise<void> {}

  async abortUpload(artifactId: string, uploadId: string | undefined): Promise<void> {
    if (uploadId !== undefined) {
      // Cancelling a session is a DELETE of its URI (GCS answers 499); a session already gone
      // or completed answers 404 or 410, which is just as good.
      const response = await fetch(uploadId, { method: 'DELETE', headers: { 'Content-Length': '0' } });
      await response.body?.cancel();
      if (response.status >= 500) throw new Error(`GCS did not cancel the upload session: HTTP ${response.status}`);
    }
    await this.bucket.file(this.layout.keyOf(artifactId)).delete({ ignoreNotFound: true });
  }

  // GCS lists no resumable sessions (they lapse after a week, holding nothing readable); an
  // object whose completion never came is an orphan, which `check` reports anyway.
  async *listIncomplete(): AsyncIterable<IncompleteStagedUpload> {}
}
