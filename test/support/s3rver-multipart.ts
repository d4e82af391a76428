// What s3rver 3.7.1 lacks of S3's multipart uploads, added on its own upload folder so tests see
// S3's behaviour: AbortMultipartUpload (s3rver answers 405), ListMultipartUploads (501),
// NoSuchUpload for completing an unknown upload (s3rver fails with 500), and the check of the
// part ETags named at completion (s3rver ignores them and assembles whatever it has).
// s3rver does not verify request signatures either (V4 "unimplemented"); that is not added.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** The part of Koa's context these handlers use. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  req: NodeJS.ReadableStream;
}
type Middleware = (context: KoaContext, next: () => Promise<void>) => Promise<void>;

/** Where s3rver keeps the multipart uploads of a bucket (FilesystemStore's `<bucket>/._S3rver_uploads`). */
const uploadsFolder = (directory: string, bucket: string): string => join(directory, bucket, '._S3rver_uploads');

const s3Error = (context: KoaContext, status: number, code: string, message: string): void => {
  context.status = status;
  context.body = { Error: { Code: code, Message: message } };
};

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Koa middleware for s3rver's stack; runs before its router, after its XML encoder. */
export function multipartUploadsAsS3Does(directory: string): Middleware {
  return async (context, next) => {
    const [, bucket = '', ...keyParts] = context.path.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const uploadId = typeof context.query.uploadId === 'string' ? context.query.uploadId : undefined;
    const uploadDir = uploadId === undefined ? '' : join(uploadsFolder(directory, bucket), uploadId);

    if (context.method === 'GET' && key === '' && 'uploads' in context.query) {
      const uploads = [];
      for (const id of await readdir(uploadsFolder(directory, bucket)).catch(() => [] as string[])) {
        const folder = join(uploadsFolder(directory, bucket), id);
        const uploadKey = await readFile(join(folder, 'key'), 'utf8').catch(() => undefined);
        if (uploadKey === undefined) continue;
        uploads.push({ Key: uploadKey, UploadId: id, Initiated: (await stat(folder)).birthtime.toISOString() });
      }
      context.body = { ListMultipartUploadsResult: { Bucket: bucket, IsTruncated: false, Upload: uploads } };
      return;
    }
    if (uploadId !== undefined && key !== '' && context.method === 'DELETE') {
      if (!(await exists(uploadDir)))
        return s3Error(context, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      await rm(uploadDir, { recursive: true, force: true });
      context.status = 204;
      context.body = null;
      return;
    }
    if (uploadId !== undefined && key !== '' && context.method === 'POST') {
      if (!(await exists(uploadDir)))
        return s3Error(context, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      const body = await readStream(context.req);
      for (const match of body.matchAll(
        /<Part>\s*<ETag>([^<]*)<\/ETag>\s*<PartNumber>(\d+)<\/PartNumber>\s*<\/Part>|<Part>\s*<PartNumber>(\d+)<\/PartNumber>\s*<ETag>([^<]*)<\/ETag>\s*<\/Part>/g,
      )) {
        const etag = (match[1] ?? match[4] ?? '').replace(/&quot;|"/g, '');
        const partNumber = match[2] ?? match[3] ?? '';
        const stored = await readFile(join(uploadDir, `${partNumber}.md5`), 'utf8').catch(() => undefined);
        if (stored !== etag) {
          return s3Error(context, 400, 'InvalidPart', `Part ${partNumber} was not uploaded with ETag ${etag}.`);
        }
      }
      // s3rver's own handler reads the body again.
      context.req = Readable.from([Buffer.from(body)]);
    }
    await next();
  };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
