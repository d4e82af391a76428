// The live feed: artifactCreated / artifactDeleted, over SSE and WebSocket alike. The events
// come from the event log (this server's uploads and deletes, and what the watcher noticed
// other processes do); src/events/artifact-feed.ts does the replay-then-live part.
import type { ArtifactCreated, ArtifactDeleted } from '../events/artifact-event-log.js';
import { subscribeToArtifactEvents, type ArtifactEventKind } from '../events/artifact-feed.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import { studyNotFound, trialNotFound } from '../errors.js';
import { DeletedArtifactRef } from './artifact-upload.js';
import { builder } from './builder.js';
import { renewRequestCaches, type GraphQLContext } from './context.js';
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

async function openFeed<Kind extends ArtifactEventKind>(
  kind: Kind,
  args: { studyId?: number | null; trialId?: number | null; since?: string | null },
  context: GraphQLContext,
) {
  const { database } = context.services;
  if (args.studyId != null && (await database.studies.byIds([args.studyId])).length === 0)
    throw studyNotFound(args.studyId);
  if (args.trialId != null && (await database.trials.byIds([args.trialId])).length === 0)
    throw trialNotFound(args.trialId);
  // An EventSource reconnecting sends the id of the last event it got, newer than any `since`.
  const since = context.lastEventId ?? args.since;
  return subscribeToArtifactEvents(context.services, kind, { studyId: args.studyId, trialId: args.trialId }, since);
}

/**
 * A subscription's context lives as long as the subscription (hours, perhaps), but loaders
 * cache what they load: each event is resolved with fresh ones, so a trial's state is
 * current and nothing piles up. They are made on first use: most feeds select only the
 * artifact's own fields, and one event may go to thousands of subscribers.
 */
function withFreshLoaders<Event extends { cursor: string }>(event: Event, context: GraphQLContext): Event {
  context.eventCursor = event.cursor; // sent as the SSE event's id
  renewRequestCaches(context);
  return event;
}

const feedDescription =
  "No filter = every artifact; `trialId` = that trial's artifacts (its study is implied). `since` = the `cursor` of an earlier event, or an edge cursor of the `artifacts` query: first replays what happened after it, then goes live, without gaps or duplicates. " +
  'Checked before the first event: an unknown study or trial is NOT_FOUND, a malformed `since` BAD_USER_INPUT, a `since` whose replay this server cannot prove complete CURSOR_EXPIRED.';

const feedArguments = builder.args((t) => ({
  studyId: t.int({ required: false }),
  trialId: t.int({ required: false }),
  since: t.string({ required: false }),
}));

builder.subscriptionFields((t) => ({
  artifactCreated: t.field({
    type: ArtifactCreatedEventRef,
    description: `Artifacts as they are created. ${feedDescription} Creations are replayed from the database, after a server restart too; on CURSOR_EXPIRED (more than 10,000 to replay), refetch the \`artifacts\` list and resume from its newest edge cursor.`,
    args: feedArguments,
    subscribe: (_root, args, context) => openFeed('created', args, context),
    resolve: (event, _args, context) => withFreshLoaders(event, context),
  }),
  artifactDeleted: t.field({
    type: ArtifactDeletedEventRef,
    description: `Artifacts as they are deleted. ${feedDescription} Deletions are remembered in memory only (this server's last 10,000 events): they are replayed only from an event cursor this server handed out since it started and still remembers; any other \`since\` (an earlier run's or another instance's, an \`artifacts\` edge cursor) is CURSOR_EXPIRED. Then subscribe without \`since\`, and refetch the \`artifacts\` list once subscribed.`,
    args: feedArguments,
    subscribe: (_root, args, context) => openFeed('deleted', args, context),
    resolve: (event, _args, context) => withFreshLoaders(event, context),
  }),
}));
