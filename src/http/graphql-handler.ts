// Yoga on /graphql: the schema, the per-request context, and the plugins every transport
// shares (HTTP, SSE and — through getEnveloped — WebSocket).
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createLRUCache, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AppServices } from '../app-services.js';
import { schema } from '../graphql/schema.js';
import { createGraphQLContext, type GraphQLContext } from '../graphql/context.js';
import { createArmorPlugins } from '../graphql/armor.js';
import { graphqlMaskedErrors, isGraphQLErrorLike } from '../graphql/errors.js';
import { logger } from '../logger.js';
import { isAppError } from '../errors.js';
import { useAuthToken } from './auth-plugin.js';
import { useUnbufferedEventStreams } from './sse-headers-plugin.js';
import { renderGraphiQLPage } from './graphiql-page.js';

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** JSON request bodies beyond this are refused (files travel as multipart, not in JSON). */
const maxJsonBodyBytes = 10 * 1024 * 1024;

export function createGraphQLServer(services: AppServices, extraPlugins: Plugin[] = []): GraphQLServer {
  const { authToken } = services.config;
  const plugins: Plugin[] = [
    ...createArmorPlugins(),
    // Compiles each operation once into a specialised function: the 1,000-trial listing runs
    // in about two thirds of graphql-js's time (measured in `npm run bench`).
    useGraphQlJit({}, { cache: createLRUCache({ max: 1000 }) }) as Plugin,
    useUnbufferedEventStreams(),
    ...extraPlugins,
  ];
  if (authToken !== undefined) plugins.push(useAuthToken(authToken));
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Multipart bodies are parsed before Yoga (graphql-upload-minimal streams files to the
    // resolvers); Yoga's own multipart parser would buffer whole files in memory.
    multipart: false,
    maxRequestBodySize: maxJsonBodyBytes,
    graphiql: { title: 'optuna-artifacts-graphql', subscriptionsProtocol: 'WS' },
    // Yoga's own page loads GraphiQL from a CDN; this one from this server (works offline).
    renderGraphiQL: renderGraphiQLPage,
    context: () => createGraphQLContext(services),
    maskedErrors: graphqlMaskedErrors((error) => logger.error('unexpected error in a resolver', { error: errorText(error) })),
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
  logger[level]('graphql server', { detail: args.map(errorText).join(' ') });
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
