// A minimal GraphQL-over-HTTP client for setting up and timing benchmark queries.

export interface GraphQLResult<Data> {
  data: Data;
  /** Bytes of the JSON response. */
  responseBytes: number;
}

/** POSTs one operation; throws when the response is not 200 or carries errors. */
export async function postGraphQL<Data>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult<Data>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: Data; errors?: { message: string }[] };
  if (response.status !== 200 || body.errors !== undefined || body.data === undefined) {
    throw new Error(`GraphQL request failed (${response.status}): ${text.slice(0, 500)}`);
  }
  return { data: body.data, responseBytes: Buffer.byteLength(text) };
}

export async function createStudy(baseUrl: string, name: string): Promise<number> {
  const { data } = await postGraphQL<{ createStudy: { studyId: number } }>(
    baseUrl,
    'mutation ($name: String!) { createStudy(name: $name, directions: [MINIMIZE]) { studyId } }',
    { name },
  );
  return data.createStudy.studyId;
}

/** What the upload mutations return, for checking hashes. */
export interface UploadedArtifact {
  artifactId: string;
  size: number;
  sha256: string;
}

export const uploadMutation = (studyId: number): string =>
  `mutation ($file: Upload!) { uploadArtifact(studyId: ${studyId}, file: $file) { artifactId size sha256 } }`;

/** Uploads a small file to the study through the multipart API; returns its id. */
export async function uploadSmallFile(baseUrl: string, studyId: number, filename: string): Promise<string> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: `mutation ($file: Upload!) { uploadArtifact(studyId: ${studyId}, file: $file) { artifactId } }`,
      variables: { file: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([`contents of ${filename}\n`], { type: 'text/plain' }), filename);
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'x-graphql-yoga-csrf': '1' },
    body: form,
  });
  const result = (await response.json()) as { data?: { uploadArtifact: { artifactId: string } }; errors?: unknown };
  if (!result.data) throw new Error(`upload failed (${response.status}): ${JSON.stringify(result.errors)}`);
  return result.data.uploadArtifact.artifactId;
}
