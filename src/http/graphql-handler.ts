// Yoga on /graphql: the schema, the per-request context, and the plugins every transport
// shares (HTTP, SSE and — through getEnveloped — WebSocket).
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AppServices } from '../app-services.js';
import { schema } from '../graphql/schema.js';
import { createGraphQLContext, type GraphQLContext } from '../graphql/context.js';
import { armorPlugins } from '../graphql/armor.js';
import { maskUnexpectedError } from '../graphql/errors.js';
import { useAuthToken } from './auth-plugin.js';

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** JSON request bodies beyond this are refused (files travel as multipart, not in JSON). */
const maxJsonBodyBytes = 10 * 1024 * 1024;

export function createGraphQLServer(services: AppServices, extraPlugins: Plugin[] = []): GraphQLServer {
  const { authToken } = services.config;
  const plugins: Plugin[] = [...armorPlugins(), ...extraPlugins];
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
    context: () => createGraphQLContext(services),
    maskedErrors: { maskError: maskUnexpectedError },
    logging: 'warn',
    plugins,
  });
}
