// Sizes of artifacts whose metadata carries none (Python's upload_artifact writes only id,
// filename, mimetype and encoding), asked of the artifact store: the ids a page asks for in one
// tick go out as one batch of stats, a few at a time, and the sizes found are kept by id.
import DataLoader from 'dataloader';
import { BoundedMap } from '../bounded-map.js';
import { storeUnavailable } from '../errors.js';
import { isArtifactNotFound, isValidArtifactId, type ArtifactStore } from '../stores/artifact-store.js';

/**
 * Sizes kept per store, the least recently used dropped first. An id names the bytes of one
 * upload for good (a fresh uuid4 each time, never rewritten), so a kept size never goes stale;
 * the bound holds the cache to a few megabytes on any store.
 */
export const cachedSizesPerStore = 50_000;

/**
 * Stats in flight at once: enough to overlap the round trips of S3 / GCS on a page of 1,000
 * artifacts, few enough not to flood the store (or the thread pool, for the filesystem).
 */
export const concurrentStats = 16;

type SizeOrFailure = number | null | Error;

export class StoredSizeLoader {
  private readonly sizes = new BoundedMap<string, number>(cachedSizesPerStore);
  /**
   * Shared by every request on the store, so its own per-key cache is off: `sizes` is the
   * cache, and it keeps no misses (Optuna writes the row before the bytes, which may arrive).
   */
  private readonly loader: DataLoader<string, number | null>;

  constructor(private readonly store: ArtifactStore) {
    this.loader = new DataLoader((artifactIds) => this.statBatch(artifactIds), { cache: false });
  }

  /**
   * The size of the stored bytes: at once when known (a listing's fields then need no promise),
   * else a promise of it. Null when nothing is stored under the id.
   * @throws AppError STORE_UNAVAILABLE (rejects) when the store does not answer.
   */
  get(artifactId: string): number | null | Promise<number | null> {
    const size = this.sizes.get(artifactId);
    if (size === undefined) return this.loader.load(artifactId);
    // Set again to count as the newest: the bounded map drops its oldest entry first.
    this.sizes.delete(artifactId);
    this.sizes.set(artifactId, size);
    return size;
  }

  private async statBatch(artifactIds: readonly string[]): Promise<SizeOrFailure[]> {
    const results = new Array<SizeOrFailure>(artifactIds.length);
    let failure: Error | null = null;
    let next = 0;
    const statInTurn = async (): Promise<void> => {
      while (next < artifactIds.length) {
        const index = next++;
        // A failure comes after Backoff's retries: the store is down, and every further stat
        // of this batch would wait as long to fail the same way.
        if (failure !== null) {
          results[index] = failure;
          continue;
        }
        try {
          results[index] = await this.statSize(artifactIds[index]!);
        } catch (error) {
          failure = storeUnavailable('The artifact store did not answer with the size of the artifact', error);
          results[index] = failure;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrentStats, artifactIds.length) }, statInTurn));
    return results;
  }

  private async statSize(artifactId: string): Promise<number | null> {
    // An old dashboard row may name an id no store can hold: there are no bytes to measure.
    if (!isValidArtifactId(artifactId)) return null;
    try {
      const { size } = await this.store.stat(artifactId);
      this.sizes.set(artifactId, size);
      return size;
    } catch (error) {
      if (isArtifactNotFound(error)) return null;
      throw error;
    }
  }
}

const loadersByStore = new WeakMap<ArtifactStore, StoredSizeLoader>();

/** The size loader of `store`, one per store and shared by every request on it. */
export function storedSizeLoader(store: ArtifactStore): StoredSizeLoader {
  let loader = loadersByStore.get(store);
  if (loader === undefined) {
    loader = new StoredSizeLoader(store);
    loadersByStore.set(store, loader);
  }
  return loader;
}
