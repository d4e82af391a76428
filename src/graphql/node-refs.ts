// The three Node types, declared before their fields so that study.ts, trial.ts and
// artifact.ts can refer to each other without import cycles. A field returning one of these
// may return just its id: Pothos batches those through the `load` functions here.
import { findArtifactsByIds } from '../artifacts/artifact-listing.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import type { StudyRecord } from '../db/queries/study-queries.js';
import type { TrialRecord } from '../db/queries/trial-queries.js';
import { builder } from './builder.js';

/** Local ids inside global ids are decimal integers; anything else loads nothing. */
const parseIntegerId = (id: string): number => (/^\d+$/.test(id) ? Number(id) : -1);

export const StudyRef = builder.loadableNodeRef('Study', {
  id: { resolve: (study: StudyRecord) => study.studyId, parse: parseIntegerId },
  load: async (studyIds: number[], context) => context.services.database.studies.byIds(studyIds),
  toKey: (study) => study.studyId,
  sort: true,
  // Studies resolved from pages are cached too, so `trial { study { … } }` costs no query.
  cacheResolved: true,
});

export const TrialRef = builder.loadableNodeRef('Trial', {
  id: { resolve: (trial: TrialRecord) => trial.trialId, parse: parseIntegerId },
  load: async (trialIds: number[], context) => context.services.database.trials.byIds(trialIds),
  toKey: (trial) => trial.trialId,
  sort: true,
  cacheResolved: true,
});

export const ArtifactRef = builder.loadableNodeRef('Artifact', {
  id: { resolve: (artifact: ArtifactRecord) => artifact.artifactId },
  load: async (artifactIds: string[], context) => [
    ...(await findArtifactsByIds(context.services.database, artifactIds)).values(),
  ],
  toKey: (artifact) => artifact.artifactId,
  sort: true,
  // Not cacheResolved: listings resolve thousands of artifacts that the same request hardly
  // ever asks for again by id, and priming the loader with each one costs more than it saves.
});
