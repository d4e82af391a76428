// The Artifact type, the artifact lists of studies and trials, and the artifact queries.
// Every artifact list is newest first; its cursors are watermarks (src/artifacts/artifact-cursor.ts)
// that a live feed can resume from.
import {
  countArtifacts,
  listArtifactsNewestFirst,
  pageOfLoadedArtifacts,
  type ArtifactPage,
} from '../artifacts/artifact-listing.js';
import type { ArtifactRecord } from '../artifacts/artifact-records.js';
import { badUserInput, studyNotFound, trialNotFound } from '../errors.js';
import { isValidArtifactId } from '../stores/artifact-store.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { storedSizeLoader } from './stored-size-loader.js';
import { ArtifactRef, StudyRef, TrialRef } from './node-refs.js';
import { connectionFromEdges, forwardPageSize, type Connection, type ForwardPageArguments } from './pagination.js';

/** Characters that encodeURIComponent leaves as they are (artifact ids are UUIDs: all of them). */
const unreservedOnly = /^[0-9A-Za-z._~-]*$/;

const downloadPath = (artifactId: string): string =>
  `/artifacts/${unreservedOnly.test(artifactId) ? artifactId : encodeURIComponent(artifactId)}`;

ArtifactRef.implement({
  description: "An artifact: Optuna's ArtifactMeta, plus what the server knows about its bytes.",
  fields: (t) => ({
    artifactId: t.exposeString('artifactId', { description: 'The key of the bytes in the artifact store.' }),
    filename: t.exposeString('filename'),
    mimetype: t.exposeString('mimetype'),
    encoding: t.exposeString('encoding', { nullable: true, description: 'Content-Encoding, e.g. gzip.' }),
    size: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'Bytes; null when unknown.',
      // Python's upload_artifact records no size: the store's is asked for, only where needed.
      resolve: (artifact, _args, context) =>
        artifact.size ?? storedSizeLoader(context.services.store).get(artifact.artifactId),
    }),
    sha256: t.exposeString('sha256', { nullable: true, description: 'Hex; null when unknown.' }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (artifact) => artifact.createdAt }),
    downloadUrl: t.string({
      description:
        "The bytes: /artifacts/{artifactId}, absolute under the server's public address when it has one (--public-url).",
      resolve: (artifact, _arguments, context) =>
        (context.services.config.publicUrl ?? '') + downloadPath(artifact.artifactId),
    }),
    study: t.field({ type: StudyRef, resolve: (artifact) => artifact.studyId }),
    trial: t.field({
      type: TrialRef,
      nullable: true,
      description: 'The owning trial; null for a study artifact.',
      resolve: (artifact) => artifact.trialId,
    }),
  }),
});

export const ArtifactConnection = builder.connectionObject(
  { type: ArtifactRef, name: 'ArtifactConnection' },
  { name: 'ArtifactEdge' },
);

function artifactConnection(
  page: ArtifactPage,
  after: string | null,
  totalCount: () => number | Promise<number>,
): Connection<ArtifactRecord> {
  return connectionFromEdges(
    page.edges,
    { hasNextPage: page.hasNextPage, hasPreviousPage: after !== null },
    totalCount,
  );
}

/** A page of one owner's artifacts, all loaded (by a dataloader); at once when they are loaded already. */
function ownerArtifactConnection(
  loadArtifacts: ArtifactRecord[] | Promise<ArtifactRecord[]>,
  args: ForwardPageArguments,
  context: GraphQLContext,
): Connection<ArtifactRecord> | Promise<Connection<ArtifactRecord>> {
  if (isPromise(loadArtifacts))
    return loadArtifacts.then((artifacts) => ownerArtifactConnection(artifacts, args, context));
  const artifacts = loadArtifacts;
  const rowIds = context.loaders.current.attributeRowIds();
  if (isPromise(rowIds)) return rowIds.then(() => ownerArtifactConnection(artifacts, args, context));
  const request = { first: forwardPageSize(args), after: args.after ?? null };
  const page = pageOfLoadedArtifacts(artifacts, request, rowIds);
  return artifactConnection(page, request.after, () => artifacts.length);
}

const isPromise = <Value>(value: Value | Promise<Value>): value is Promise<Value> => value instanceof Promise;

builder.objectFields(StudyRef, (t) => ({
  artifacts: t.field({
    type: ArtifactConnection,
    description: "The study's own artifacts (not its trials'), newest first.",
    args: { first: t.arg.int({ required: false }), after: t.arg.string({ required: false }) },
    resolve: (study, args, context) =>
      ownerArtifactConnection(context.loaders.current.studyArtifacts.get(study.studyId), args, context),
  }),
}));

builder.objectFields(TrialRef, (t) => ({
  artifacts: t.field({
    type: ArtifactConnection,
    description: "The trial's artifacts (old optuna-dashboard uploads included), newest first.",
    args: { first: t.arg.int({ required: false }), after: t.arg.string({ required: false }) },
    resolve: (trial, args, context) =>
      ownerArtifactConnection(context.loaders.current.trialArtifacts.get(trial.trialId), args, context),
  }),
}));

builder.queryFields((t) => ({
  artifact: t.field({
    type: ArtifactRef,
    nullable: true,
    args: { artifactId: t.arg.string({ required: true }) },
    resolve: (_root, args) => {
      if (!isValidArtifactId(args.artifactId)) throw badUserInput('artifactId must be an Optuna artifact id (a UUID)');
      return args.artifactId;
    },
  }),
  artifacts: t.field({
    type: ArtifactConnection,
    description:
      "Every artifact matching the filter (a study's own and its trials'; or one trial's), newest first " +
      '(by metadata row id, the study and trial attribute tables interleaved). An edge cursor is valid as a subscription `since`.',
    args: {
      studyId: t.arg.int({ required: false }),
      trialId: t.arg.int({ required: false }),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      if (args.studyId != null && !(await StudyRef.getDataloader(context).load(args.studyId))) {
        throw studyNotFound(args.studyId);
      }
      if (args.trialId != null && !(await TrialRef.getDataloader(context).load(args.trialId))) {
        throw trialNotFound(args.trialId);
      }
      const database = context.services.database;
      const filter = { studyId: args.studyId, trialId: args.trialId };
      const request = { first: forwardPageSize(args), after: args.after ?? null };
      const page = await listArtifactsNewestFirst(
        database,
        filter,
        request,
        await context.loaders.current.attributeRowIds(),
      );
      return artifactConnection(page, request.after, () => countArtifacts(database, filter));
    },
  }),
}));
