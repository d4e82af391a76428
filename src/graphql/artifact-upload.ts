// Uploading and deleting artifacts: the Upload scalar (GraphQL multipart request spec) and the
// uploadArtifact / uploadArtifacts / deleteArtifact mutations.
import { Kind } from 'graphql';
import { Upload, type FileUpload } from 'graphql-upload-minimal';
import { artifactOwnerFromArguments, uploadArtifact, type IncomingFile } from '../artifacts/upload-artifact.js';
import { deleteArtifact, type DeletedArtifact } from '../artifacts/delete-artifact.js';
import { badUserInput, payloadTooLarge } from '../errors.js';
import { builder } from './builder.js';
import { ArtifactRef } from './node-refs.js';

builder.scalarType('Upload', {
  description: 'A file of a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec).',
  serialize: () => {
    throw new Error('Upload is an input-only scalar');
  },
  parseValue: (value) => {
    if (value instanceof Upload) return value.promise;
    throw badUserInput('Upload variables must be file parts of a multipart request (see the GraphQL multipart request spec)');
  },
  parseLiteral: (node) => {
    throw badUserInput(`Upload cannot be written inline in the query (got a ${node.kind === Kind.NULL ? 'null' : node.kind} literal)`);
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

/** Waits for the file part and takes its stream (a multipart file can be read once). */
async function incomingFile(upload: Promise<FileUpload>): Promise<IncomingFile> {
  try {
    const file = await upload;
    return { filename: file.filename, stream: file.createReadStream() };
  } catch (error) {
    // The multipart parser's own errors (a missing file part, a limit, a disconnect) carry an
    // HTTP status; they are about the request, not faults of the server.
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number') throw error;
    const message = (error as Error).message;
    throw status === 413 ? payloadTooLarge(message) : badUserInput(message);
  }
}

builder.mutationFields((t) => ({
  uploadArtifact: t.field({
    type: ArtifactRef,
    description:
      'Uploads one file as an artifact of a study (studyId) or a trial (trialId). The filename, mimetype and encoding ' +
      'default to what Optuna would guess from the file name.',
    args: {
      studyId: t.arg.int({ required: false }),
      trialId: t.arg.int({ required: false }),
      file: t.arg({ type: 'Upload', required: true }),
      filename: t.arg.string({ required: false }),
      mimetype: t.arg.string({ required: false }),
      encoding: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      const owner = artifactOwnerFromArguments(args);
      const file = await incomingFile(args.file);
      return uploadArtifact(context.services, owner, file, args);
    },
  }),
  uploadArtifacts: t.field({
    type: [ArtifactRef],
    description: 'Uploads several files to one owner, in order; names and types are guessed per file.',
    args: {
      studyId: t.arg.int({ required: false }),
      trialId: t.arg.int({ required: false }),
      files: t.arg({ type: ['Upload'], required: true }),
    },
    resolve: async (_root, args, context) => {
      const owner = artifactOwnerFromArguments(args);
      const uploaded = [];
      // Multipart files arrive in sequence: each must be read before the next can arrive.
      // After a failure the HTTP layer drains the files not read yet.
      for (const upload of args.files) {
        uploaded.push(await uploadArtifact(context.services, owner, await incomingFile(upload)));
      }
      return uploaded;
    },
  }),
  deleteArtifact: t.field({
    type: DeletedArtifactRef,
    description: "Deletes an artifact's metadata and its bytes (Optuna's and old optuna-dashboard artifacts alike).",
    args: { artifactId: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => deleteArtifact(context.services, args.artifactId),
  }),
}));
