// How errors reach GraphQL clients: an AppError keeps its message and carries its stable code
// (`extensions.code`) and HTTP status; an error of the database layer becomes the AppError it
// means; GraphQL's own errors (syntax, validation, bad variable values, bad global ids) pass
// through, as BAD_USER_INPUT when raised by a resolver; anything else is unexpected, logged
// here and masked.
import type { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError, type MaskError } from 'graphql-yoga';
import { describeError } from '../error-text.js';
import { appErrorOfDatabaseError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Recognised by graphql-js's toStringTag, not `instanceof`: a process can hold two copies of
 * graphql-js (its CommonJS and ES module builds), and an error from either, or from a
 * subclass (Pothos' validation errors), is still a GraphQL error.
 */
export const isGraphQLErrorLike = (error: unknown): error is GraphQLError =>
  Object.prototype.toString.call(error) === '[object GraphQLError]';

/** The error a chain of GraphQL error wrappers was made from (the last wrapper if none). */
function innermostError(error: unknown): unknown {
  let current = error;
  while (isGraphQLErrorLike(current) && current.originalError) current = current.originalError;
  return current;
}

/**
 * The mask for Yoga and the WebSocket server. Unexpected errors are logged on `logger` with
 * `unexpectedMessage` (saying where they happened) and their stack.
 */
export function createMaskError(logger: Logger, unexpectedMessage: string): MaskError {
  return (error, message, isDev) => {
    const innermost = innermostError(error);
    const cause = appErrorOfDatabaseError(innermost) ?? innermost;
    if (isAppError(cause)) {
      const located = isGraphQLErrorLike(error) ? error : undefined;
      return createGraphQLError(cause.message, {
        nodes: located?.nodes,
        source: located?.source,
        positions: located?.positions,
        path: located?.path,
        extensions: { code: cause.code, http: { status: cause.httpStatus } },
      });
    }
    if (isGraphQLErrorLike(cause)) {
      // A GraphQL error raised while resolving (a malformed global id, say) is about the
      // request: give it the input code; parse/validation errors keep yoga's own codes.
      const located = error as GraphQLError;
      if (located.path === undefined || located.extensions?.code !== undefined) return located;
      return createGraphQLError(located.message, {
        nodes: located.nodes,
        source: located.source,
        positions: located.positions,
        path: located.path,
        extensions: { ...located.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
    logger.error(unexpectedMessage, { error: describeError(cause, { stack: true }) });
    return yogaMaskError(error, message, isDev);
  };
}
