// Staged uploads on the filesystem store: the client PUTs the bytes to the server itself
// (`PUT /uploads/{token}`), which keeps them in a staging folder inside the store until the
// upload is completed. Inside the store, not the spool: they survive a restart and every
// instance sharing the folder sees them.
import { lstat, mkdir, opendir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArtifactNotFoundError,
  assertValidArtifactId,
  isValidArtifactId,
  type CompletedPart,
  type IncompleteStagedUpload,
  type StagedUploadRequest,
  type StagedUploads,
  type StagedUploadTarget,
} from './artifact-store.js';

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

export class FileSystemStagedUploads implements StagedUploads {
  /**
   * @param stagingDirectory a folder on the store's filesystem (so moving bytes in and out is a rename)
   * @param writeArtifact the store's own write: flushed to disk, atomic
   */
  constructor(
    readonly stagingDirectory: string,
    private readonly writeArtifact: (artifactId: string, sourcePath: string) => Promise<void>,
  ) {}

  private stagedPathOf(artifactId: string): string {
    assertValidArtifactId(artifactId);
    return join(this.stagingDirectory, artifactId);
  }

  // The upload URL is the server's own: only it knows its address.
  async createUpload(artifactId: string, _request: StagedUploadRequest): Promise<StagedUploadTarget> {
    assertValidArtifactId(artifactId);
    return { parts: [], headers: [] };
  }

  async receive(artifactId: string, spooledPath: string): Promise<void> {
    const stagedPath = this.stagedPathOf(artifactId);
    await mkdir(this.stagingDirectory, { recursive: true });
    await rename(spooledPath, stagedPath);
  }

  async completeUpload(
    artifactId: string,
    _uploadId: string | undefined,
    _parts: readonly CompletedPart[] | undefined,
  ): Promise<void> {
    const stagedPath = this.stagedPathOf(artifactId);
    try {
      await this.writeArtifact(artifactId, stagedPath);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new ArtifactNotFoundError(artifactId, { cause: error });
      throw error;
    }
    await rm(stagedPath, { force: true });
  }

  async abortUpload(artifactId: string, _uploadId: string | undefined): Promise<void> {
    await rm(this.stagedPathOf(artifactId), { force: true });
  }

  async *listIncomplete(): AsyncIterable<IncompleteStagedUpload> {
    let folder;
    try {
      folder = await opendir(this.stagingDirectory);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    for await (const entry of folder) {
      if (!entry.isFile() || !isValidArtifactId(entry.name)) continue;
      try {
        const { mtime } = await lstat(join(this.stagingDirectory, entry.name));
        yield { artifactId: entry.name, startedAt: mtime };
      } catch (error) {
        // Completed or aborted since the folder was read.
        if (errorCode(error) !== 'ENOENT') throw error;
      }
    }
  }
}
