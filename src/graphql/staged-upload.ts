// Staged (direct-to-bucket) uploads: createArtifactUpload → PUT the bytes → completeArtifactUpload
// (or abortArtifactUpload), and the types of their tickets.
import {
  abortArtifactUpload,
  completeArtifactUpload,
  createArtifactUpload,
  type ArtifactUploadTicket,
} from '../artifacts/staged-upload.js';
import type { UploadHeader, UploadPartTarget } from '../stores/artifact-store.js';
import { builder } from './builder.js';
import { ArtifactRef } from './node-refs.js';

const HttpHeaderRef = builder.objectRef<UploadHeader>('HttpHeader').implement({
  description: 'An HTTP header to send.',
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

const UploadPartRef = builder.objectRef<UploadPartTarget>('UploadPart').implement({
  description:
    'One part of a multipart staged upload: PUT exactly `size` bytes to `url` and keep the ETag response header.',
  fields: (t) => ({
    partNumber: t.exposeInt('partNumber'),
    url: t.exposeString('url', { description: 'Absolute; presigned.' }),
    size: t.expose('size', { type: 'SafeInt' }),
  }),
});

const ArtifactUploadTicketRef = builder.objectRef<ArtifactUploadTicket>('ArtifactUploadTicket').implement({
  description:
    'Where and how to send the bytes of a staged upload: one PUT of the whole file to `url`, or one PUT per part ' +
    '(`parts`), each with `headers`; then completeArtifactUpload(token).',
  fields: (t) => ({
    artifactId: t.exposeString('artifactId'),
    token: t.exposeString('token', {
      description: 'Opaque; any instance with the same signing key can complete or abort it.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    method: t.exposeString('method', { description: '"PUT"' }),
    url: t.exposeString('url', { nullable: true, description: 'Absolute; a single-request upload (parts is empty).' }),
    headers: t.field({
      type: [HttpHeaderRef],
      resolve: (ticket) => ticket.headers,
      description: 'Send these with every PUT.',
    }),
    parts: t.field({
      type: [UploadPartRef],
      resolve: (ticket) => ticket.parts,
      description: 'A multipart upload (absolute URLs): PUT each part, keep its ETag response header.',
    }),
  }),
});

const CreateArtifactUploadInput = builder.inputType('CreateArtifactUploadInput', {
  fields: (t) => ({
    studyId: t.int({ required: false, description: 'Exactly one of studyId / trialId.' }),
    trialId: t.int({ required: false }),
    filename: t.string({ required: true }),
    mimetype: t.string({ required: false, description: 'Default: guessed from the filename, as Optuna does.' }),
    encoding: t.string({ required: false }),
    size: t.field({ type: 'SafeInt', required: true, description: 'Exact byte count; checked at completion.' }),
    sha256: t.string({
      required: false,
      description: 'Hex; when given, the store verifies it where it can, the server at completion otherwise.',
    }),
  }),
});

const CompletedPartInput = builder.inputType('CompletedPartInput', {
  fields: (t) => ({
    partNumber: t.int({ required: true }),
    etag: t.string({ required: true, description: 'The ETag response header of the part’s PUT.' }),
  }),
});

builder.mutationFields((t) => ({
  createArtifactUpload: t.field({
    type: ArtifactUploadTicketRef,
    description:
      'Starts a staged upload: checks it as uploadArtifact would (owner, finished trial, size limit, names and types) ' +
      'and returns where to PUT the bytes — straight to the S3 / GCS bucket, or to this server for a folder store.',
    args: { input: t.arg({ type: CreateArtifactUploadInput, required: true }) },
    resolve: (_root, { input }, context) => createArtifactUpload(context.services, input, context.serverOrigin),
  }),
  completeArtifactUpload: t.field({
    type: ArtifactRef,
    description:
      'Finishes a staged upload and records the artifact. Bytes missing or ticket expired → UPLOAD_EXPIRED; bytes ' +
      'differing from the declared size / sha256 → UPLOAD_MISMATCH (and they are removed). Completing twice returns ' +
      'the same artifact.',
    args: {
      token: t.arg.string({ required: true }),
      parts: t.arg({ type: [CompletedPartInput], required: false, description: 'Multipart uploads: every part.' }),
    },
    resolve: (_root, args, context) => completeArtifactUpload(context.services, args.token, args.parts),
  }),
  abortArtifactUpload: t.field({
    type: 'Boolean',
    description:
      'Removes whatever a staged upload sent. False when the upload was already completed (the artifact stays).',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => abortArtifactUpload(context.services, args.token),
  }),
}));
