// Builds GraphQL multipart requests exactly as the spec lays them out (operations, then map,
// then the file parts) and sends them to a real server.
import type { GraphQLResponse } from './test-server.js';

export interface FileToUpload {
  /**
   * Where the file goes in the operation's variables, e.g. `variables.file` or
   * `variables.files.0`; several paths map the one file part to each of them.
   */
  variablePath: string | string[];
  content: Uint8Array | Blob;
  filename: string;
  mimetype?: string;
}

export interface MultipartOptions {
  headers?: Record<string, string>;
  /** Send no CSRF-prevention header (to test that the server refuses the request). */
  withoutCsrfHeader?: boolean;
}

export function multipartBody(query: string, variables: Record<string, unknown>, files: FileToUpload[]): FormData {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  const map: Record<string, string[]> = {};
  files.forEach((file, index) => {
    map[String(index)] = [file.variablePath].flat();
  });
  form.append('map', JSON.stringify(map));
  files.forEach((file, index) => {
    const blob =
      file.content instanceof Blob
        ? file.content
        : new Blob([new Uint8Array(file.content)], { type: file.mimetype ?? 'application/octet-stream' });
    form.append(String(index), blob, file.filename);
  });
  return form;
}

export async function postMultipart(
  serverUrl: string,
  body: FormData,
  options: MultipartOptions = {},
): Promise<Response> {
  return fetch(`${serverUrl}/graphql`, {
    method: 'POST',
    headers: { ...(options.withoutCsrfHeader ? {} : { 'x-graphql-yoga-csrf': '1' }), ...options.headers },
    body,
  });
}

export async function uploadMultipart<Data = Record<string, unknown>>(
  serverUrl: string,
  query: string,
  variables: Record<string, unknown>,
  files: FileToUpload[],
  options: MultipartOptions = {},
): Promise<{ status: number; body: GraphQLResponse<Data> }> {
  const response = await postMultipart(serverUrl, multipartBody(query, variables, files), options);
  return { status: response.status, body: (await response.json()) as GraphQLResponse<Data> };
}

/** Uploads a small text artifact (its content is its filename) to a study or a trial; its id. */
export async function uploadTextArtifact(
  serverUrl: string,
  owner: { studyId: number } | { trialId: number },
  filename: string,
): Promise<string> {
  const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    serverUrl,
    'mutation($studyId: Int, $trialId: Int, $file: Upload!) { uploadArtifact(studyId: $studyId, trialId: $trialId, file: $file) { artifactId } }',
    { studyId: null, trialId: null, ...owner, file: null },
    [{ variablePath: 'variables.file', content: new TextEncoder().encode(filename), filename }],
  );
  if (!body.data) throw new Error(`upload failed: ${JSON.stringify(body.errors)}`);
  return body.data.uploadArtifact.artifactId;
}
