// The metadata of artifacts read recently (listed, uploaded, downloaded, noticed by the
// watcher), by artifact id: what a download serves when the database cannot answer in time, as
// while another process holds SQLite's lock. An artifact id never changes its owner or its
// metadata, and the bytes of a deleted artifact are gone from the store, so an entry that
// outlives its artifact can only turn into the store's 404.
import { BoundedMap } from '../bounded-map.js';
import type { ArtifactRecord } from './artifact-records.js';

/**
 * Artifacts remembered, the least recently read dropped first: a few MB, and more than a
 * browsing session touches.
 */
const maxRecentArtifacts = 10_000;

// One per process, like the decode caches (artifact ids are UUIDs: unique across databases).
const recentArtifacts = new BoundedMap<string, ArtifactRecord>(maxRecentArtifacts);

/** Records `record` as the artifact's metadata read last. */
export function rememberArtifact(record: ArtifactRecord): void {
  // Deleted first, so that the set moves it to the newest end.
  recentArtifacts.delete(record.artifactId);
  recentArtifacts.set(record.artifactId, record);
}

/** The artifact's metadata as read last, if it was read recently. */
export function recentArtifact(artifactId: string): ArtifactRecord | undefined {
  return recentArtifacts.get(artifactId);
}
