// Yoga on /graphql: the schema, the per-request context, and the plugins every transport
// shares (HTTP, SSE and — through getEnveloped — WebSocket).
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AppServices } from '../app-services.js';
import { schema } from '../graphql/schema.js';
import { createGraphQLContext, type GraphQLContext } from '../graphql/context.js';
import { createArmorPlugins } from '../graphql/armor.js';
import { defaultDocumentLimits, useDocumentLimits } from '../graphql/document-limits.js';
import { createParseCache } from '../graphql/parse-cache.js';
import { isCompilableOperation } from '../graphql/compilable-operations.js';
import { createMaskError, isGraphQLErrorLike } from '../graphql/errors.js';
import { describeError } from '../error-text.js';
import { logger } from '../logger.js';
import { isAppError } from '../errors.js';
import { useAuthToken } from './auth-plugin.js';
import { useUnbufferedEventStreams } from './sse-headers-plugin.js';
import { useEventStreamIds } from './sse-event-ids-plugin.js';
import { maxJsonRequestBytes, useJsonBodyLimit } from './json-body-limit.js';
import { renderGraphiQLPage } from './graphiql-page.js';

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export function createGraphQLServer(services: AppServices, extraPlugins: Plugin[] = []): GraphQLServer {
  const { authToken, maxQueryBytes } = services.config;
  const maxJsonBodyBytes = maxJsonRequestBytes(maxQueryBytes);
  const plugins: Plugin[] = [
    useJsonBodyLimit(maxJsonBodyBytes),
    useDocumentLimits({ maxBytes: maxQueryBytes, ...defaultDocumentLimits }),
    ...createArmorPlugins(),
    // Compiles each operation once into a specialised function: the 1,000-trial listing runs
    // in about two thirds of graphql-js's time (measured in `npm run bench`). Only queries: see
    // compilable-operations.ts for what it got wrong elsewhere. Compiled queries are kept per
    // parsed document (a WeakMap), so they live as long as the parse cache holds their document.
    useGraphQlJit({}, { enableIf: isCompilableOperation }) as Plugin,
    useUnbufferedEventStreams(),
    useEventStreamIds() as Plugin,
    ...extraPlugins,
  ];
  if (authToken !== undefined) plugins.push(useAuthToken(authToken));
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is answered for every route by src/http/cors.ts; Yoga's own would allow any origin.
    cors: false,
    // Multipart bodies are parsed before Yoga (graphql-upload-minimal streams files to the
    // resolvers); Yoga's own multipart parser would buffer whole files in memory.
    multipart: false,
    maxRequestBodySize: maxJsonBodyBytes,
    parserAndValidationCache: createParseCache(),
    graphiql: { title: 'optuna-artifacts-graphql', subscriptionsProtocol: 'WS' },
    // Yoga's own page loads GraphiQL from a CDN; this one from this server (works offline).
    renderGraphiQL: renderGraphiQLPage,
    context: ({ request }) => createGraphQLContext(services, request),
    maskedErrors: { maskError: createMaskError(logger, 'unexpected error in a resolver') },
    logging: {
      debug: () => {},
      info: () => {},
      // GraphQL errors are answers to clients (unexpected ones are logged by the mask
      // function above), not faults of the server: keep them out of the log.
      warn: (...args: unknown[]) => logYogaMessage('warn', args),
      error: (...args: unknown[]) => logYogaMessage('error', args),
    },
    plugins,
  });
}

function logYogaMessage(level: 'warn' | 'error', args: unknown[]): void {
  const isAnswerToClient = (arg: unknown) => isAppError(arg) || isGraphQLErrorLike(arg);
  if (args.some(isAnswerToClient)) return;
  logger[level]('graphql server', { detail: args.map((arg) => describeError(arg, { stack: true })).join(' ') });
}
