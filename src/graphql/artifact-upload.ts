// Uploading and deleting artifacts: the Upload scalar (GraphQL multipart request spec) and the
// uploadArtifact / uploadArtifacts / deleteArtifact mutations.
import { Kind } from 'graphql';
import { IncomingFile } from '../artifacts/incoming-file.js';
import { uploadArtifacts } from '../artifacts/upload-artifact.js';
import { deleteArtifact, type DeletedArtifact } from '../artifacts/delete-artifact.js';
import { badUserInput } from '../errors.js';
import { builder } from './builder.js';
import { ArtifactRef } from './node-refs.js';

builder.scalarType('Upload', {
  description: 'A file of a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec).',
  serialize: () => {
    throw new Error('Upload is an input-only scalar');
  },
  // The HTTP layer puts an IncomingFile wherever the request's map placed a file part.
  parseValue: (value) => {
    if (value instanceof IncomingFile) return value;
    throw badUserInput(
      'Upload variables must be file parts of a multipart request (see the GraphQL multipart request spec)',
    );
  },
  parseLiteral: (node) => {
    throw badUserInput(
      `Upload cannot be written inline in the query (got a ${node.kind === Kind.NULL ? 'null' : node.kind} literal)`,
    );
  },
});

export const DeletedArtifactRef = builder.objectRef<DeletedArtifact>('DeletedArtifact').implement({
  description: 'What an artifact was, once it is deleted.',
  fields: (t) => ({
    artifactId: t.exposeString('artifactId'),
    studyId: t.exposeInt('studyId'),
    trialId: t.exposeInt('trialId', { nullable: true }),
  }),
});

builder.mutationFields((t) => ({
  // Both upload fields are nullable: when one field of a request fails, the others' artifacts,
  // stored by then, are still reported in `data` (an error in a non-null field would null it all).
  uploadArtifact: t.field({
    type: ArtifactRef,
    nullable: true,
    description:
      'Uploads one file as an artifact of a study (studyId) or a trial (trialId). The filename, mimetype and encoding ' +
      'default to what Optuna would guess from the file name. Null, with an error, when nothing was stored.',
    args: {
      studyId: t.arg.int({ required: false }),
      trialId: t.arg.int({ required: false }),
      file: t.arg({ type: 'Upload', required: true }),
      filename: t.arg.string({ required: false }),
      mimetype: t.arg.string({ required: false }),
      encoding: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      const [artifact] = await uploadArtifacts(context.services, args, [{ file: args.file, overrides: args }]);
      return artifact!;
    },
  }),
  uploadArtifacts: t.field({
    type: [ArtifactRef],
    nullable: true,
    description:
      'Uploads several files to one owner, in order; names and types are guessed per file. All or nothing: when one ' +
      'file fails, none is stored (null, with an error).',
    args: {
      studyId: t.arg.int({ required: false }),
      trialId: t.arg.int({ required: false }),
      files: t.arg({ type: ['Upload'], required: true }),
    },
    resolve: (_root, args, context) =>
      uploadArtifacts(
        context.services,
        args,
        args.files.map((file) => ({ file })),
      ),
  }),
  deleteArtifact: t.field({
    type: DeletedArtifactRef,
    description: "Deletes an artifact's metadata and its bytes (Optuna's and old optuna-dashboard artifacts alike).",
    args: { artifactId: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => deleteArtifact(context.services, args.artifactId),
  }),
}));
