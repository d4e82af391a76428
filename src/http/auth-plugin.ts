// With --auth-token, mutations and subscriptions need `Authorization: Bearer <token>`;
// queries stay open so dashboards can browse. WebSocket clients send the same header value
// in connectionParams, which the WebSocket server copies into the request it builds.
import { getOperationAST, type DocumentNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { bearerToken, isTokenAccepted } from './request-guards.js';

export function useAuthToken(expectedToken: string): Plugin {
  const refuseUnlessAuthorized = (
    document: DocumentNode,
    operationName: string | null | undefined,
    request: Request | undefined,
  ) => {
    const operation = getOperationAST(document, operationName ?? undefined);
    if (operation === null || operation === undefined || operation.operation === 'query') return;
    const presented = bearerToken(request?.headers.get('authorization') ?? undefined);
    if (!isTokenAccepted(presented, expectedToken)) {
      throw createGraphQLError(`${operation.operation}s need "Authorization: Bearer <token>"`, {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
      });
    }
  };
  return {
    onExecute({ args }) {
      refuseUnlessAuthorized(args.document, args.operationName, requestOf(args.contextValue));
    },
    onSubscribe({ args }) {
      refuseUnlessAuthorized(args.document, args.operationName, requestOf(args.contextValue));
    },
  };
}

function requestOf(context: unknown): Request | undefined {
  if (typeof context === 'object' && context !== null && 'request' in context) {
    const { request } = context as { request: unknown };
    if (request instanceof Request || (typeof request === 'object' && request !== null && 'headers' in request)) {
      return request as Request;
    }
  }
  return undefined;
}
