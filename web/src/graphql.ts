// Typed GraphQL documents (gql.tada, from the repository's schema.graphql) and the one function
// that sends a query or mutation to the server's /graphql and returns its data or a coded error.
import { print } from '@0no-co/graphql.web';
import { initGraphQLTada, type TadaDocumentNode } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/** A float as Optuna stores it: non-finite values arrive as strings. */
export type OptunaFloat = number | 'Infinity' | '-Infinity' | 'NaN';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  // Fragments spread into the documents' result types as they are: the views read them directly.
  disableMasking: true;
  scalars: {
    DateTime: string;
    SafeInt: number;
    OptunaFloat: OptunaFloat;
    JSON: unknown;
    Upload: File | null;
  };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';

/** A refusal from the server, with its stable code (UNAUTHENTICATED, NOT_FOUND, PAYLOAD_TOO_LARGE, …). */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface GraphQLErrorBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The first error of a GraphQL response as a GraphQLRequestError. */
export function requestErrorOf(body: GraphQLErrorBody, fallbackCode: string): GraphQLRequestError {
  const first = body.errors?.[0];
  return new GraphQLRequestError(first?.message ?? 'request failed', first?.extensions?.code ?? fallbackCode);
}

const printed = new WeakMap<object, string>();

/** The document's text, printed once. */
export function documentText(document: TadaDocumentNode<unknown, never>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

export const graphqlUrl = '/graphql';

/** Headers every GraphQL request carries; the token only when one was entered. */
export function authorizationHeaders(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function request<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
  token: string | null = null,
): Promise<Result> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      ...authorizationHeaders(token),
    },
    body: JSON.stringify({ query: documentText(document as TadaDocumentNode<unknown, never>), variables }),
  });
  let body: GraphQLErrorBody;
  try {
    body = (await response.json()) as GraphQLErrorBody;
  } catch {
    throw new GraphQLRequestError(`the server answered ${response.status}`, `HTTP_${response.status}`);
  }
  if (body.errors?.length || body.data == null) throw requestErrorOf(body, `HTTP_${response.status}`);
  return body.data as Result;
}
