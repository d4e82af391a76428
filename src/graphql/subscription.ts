// The live feed: artifactCreated / artifactDeleted, over SSE and WebSocket alike. The events
// come from the event log (this server's uploads and deletes, and what the watcher noticed
// other processes do); src/events/artifact-feed.ts does the replay-then-live part.
import { initContextCache } from '@pothos/core';
import type { ArtifactCreated, ArtifactDeleted } from '../events/artifact-event-log.js';
import { subscribeToArtifactEvents, type ArtifactEventKind } from '../events/artifact-feed.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import { notFound } from '../errors.js';
import { DeletedArtifactRef } from './artifact-upload.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { createRequestLoaders, type RequestLoaders } from './loaders.js';
import { ArtifactRef } from './node-refs.js';

const ArtifactCreatedEventRef = builder.objectRef<ArtifactCreated<ArtifactRecord>>('ArtifactCreatedEvent').implement({
  description: 'An artifact was uploaded (through this server or by another process, e.g. Python Optuna).',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `since` to resume after this event.' }),
    artifact: t.field({
      type: ArtifactRef,
      description: 'The artifact as it was created (it may have been deleted since).',
      resolve: (event) => event.artifact,
    }),
  }),
});

const ArtifactDeletedEventRef = builder.objectRef<ArtifactDeleted<ArtifactRecord>>('ArtifactDeletedEvent').implement({
  description: 'An artifact was deleted (through this server or by another process).',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `since` to resume after this event.' }),
    deleted: t.field({
      type: DeletedArtifactRef,
      resolve: (event) => ({ artifactId: event.artifactId, studyId: event.studyId, trialId: event.trialId }),
    }),
  }),
});

async function openFeed<Kind extends ArtifactEventKind>(kind: Kind, args: { studyId?: number | null; trialId?: number | null; since?: string | null }, context: GraphQLContext) {
  const { database } = context.services;
  if (args.studyId != null && (await database.studies.byIds([args.studyId])).length === 0) throw notFound(`No study with id ${args.studyId}`);
  if (args.trialId != null && (await database.trials.byIds([args.trialId])).length === 0) throw notFound(`No trial with id ${args.trialId}`);
  return subscribeToArtifactEvents(context.services, kind, { studyId: args.studyId, trialId: args.trialId }, args.since);
}

/**
 * A subscription's context lives as long as the subscription (hours, perhaps), but loaders
 * cache what they load: each event is resolved with fresh ones, so a trial's state is
 * current and nothing piles up. They are made on first use: most feeds select only the
 * artifact's own fields, and one event may go to thousands of subscribers.
 */
function withFreshLoaders<Event>(event: Event, context: GraphQLContext): Event {
  Object.assign(context, initContextCache());
  let loaders: RequestLoaders | undefined;
  Object.defineProperty(context, 'loaders', {
    configurable: true,
    enumerable: true,
    get: () => (loaders ??= createRequestLoaders(context.services.database)),
  });
  return event;
}

const feedDescription =
  'No filter = every artifact; `trialId` = that trial\'s artifacts (its study is implied). `since` = the `cursor` of an earlier event, or an edge cursor of the `artifacts` query: first replays what happened after it, then goes live, without gaps or duplicates.';

const feedArguments = builder.args((t) => ({
  studyId: t.int({ required: false }),
  trialId: t.int({ required: false }),
  since: t.string({ required: false }),
}));

builder.subscriptionFields((t) => ({
  artifactCreated: t.field({
    type: ArtifactCreatedEventRef,
    description: `Artifacts as they are created. ${feedDescription} After a server restart, creations are replayed from the database.`,
    args: feedArguments,
    subscribe: (_root, args, context) => openFeed('created', args, context),
    resolve: (event, _args, context) => withFreshLoaders(event, context),
  }),
  artifactDeleted: t.field({
    type: ArtifactDeletedEventRef,
    description: `Artifacts as they are deleted. ${feedDescription} Deletions are remembered in memory only (the last 10,000 events): \`since\` from an earlier run of the server, or an \`artifacts\` edge cursor, replays none; one older than that memory is refused.`,
    args: feedArguments,
    subscribe: (_root, args, context) => openFeed('deleted', args, context),
    resolve: (event, _args, context) => withFreshLoaders(event, context),
  }),
}));
