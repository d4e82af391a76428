// One file uploaded as a GraphQL multipart request (uploadArtifact), with upload progress.
// XMLHttpRequest, because fetch reports no upload progress for a FormData body. The
// x-graphql-yoga-csrf header is what the server asks of a multipart request to prove it came
// from a script (a cross-site form cannot add it).
import { UploadArtifactMutation } from './documents.ts';
import {
  authorizationHeaders,
  documentText,
  GraphQLRequestError,
  requestErrorOf,
  type GraphQLErrorBody,
  type ResultOf,
} from './graphql.ts';
import type { ArtifactOwner } from './live-artifacts.ts';

export type UploadedArtifact = NonNullable<ResultOf<typeof UploadArtifactMutation>['uploadArtifact']>;

export function uploadFile(
  file: File,
  owner: ArtifactOwner,
  token: string | null,
  onProgress: (fraction: number) => void,
): Promise<UploadedArtifact> {
  const body = new FormData();
  body.append(
    'operations',
    JSON.stringify({
      query: documentText(UploadArtifactMutation),
      variables: { file: null, studyId: owner.studyId ?? null, trialId: owner.trialId ?? null },
    }),
  );
  body.append('map', JSON.stringify({ 0: ['variables.file'] }));
  body.append('0', file, file.name);

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    xhr.setRequestHeader('x-graphql-yoga-csrf', 'upload');
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json');
    for (const [name, value] of Object.entries(authorizationHeaders(token))) xhr.setRequestHeader(name, value);
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => {
      let parsed: GraphQLErrorBody;
      try {
        parsed = JSON.parse(xhr.responseText) as GraphQLErrorBody;
      } catch {
        reject(new GraphQLRequestError(`the server answered ${xhr.status}`, `HTTP_${xhr.status}`));
        return;
      }
      const uploaded = (parsed.data as ResultOf<typeof UploadArtifactMutation> | null | undefined)?.uploadArtifact;
      if (parsed.errors?.length || !uploaded) reject(requestErrorOf(parsed, `HTTP_${xhr.status}`));
      else resolve(uploaded);
    });
    // The connection failed, or the server answered early and closed it (a file over the limit).
    xhr.addEventListener('error', () => reject(new GraphQLRequestError('the upload was cut off', 'NETWORK_ERROR')));
    xhr.send(body);
  });
}
