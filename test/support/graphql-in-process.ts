// Runs GraphQL operations in-process (`yoga.fetch`, no socket) against a real SQLite file,
// with the production schema, context and error masking.
import { createYoga } from 'graphql-yoga';
import type { AppServices } from '../../src/app-services.js';
import { defaultBackoffConfig, type ServerConfig } from '../../src/config/config.js';
import type { SqliteOptunaDatabase } from '../../src/db/sqlite-database.js';
import { createGraphQLContext } from '../../src/graphql/context.js';
import { graphqlMaskedErrors } from '../../src/graphql/errors.js';
import { schema } from '../../src/graphql/schema.js';
import { ArtifactEventLog } from '../../src/events/artifact-event-log.js';

export interface GraphQLResponse<Data> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
}

/** `extensions.code` of the response's first error. */
export const errorCode = (response: GraphQLResponse<unknown>): string | undefined => response.errors?.[0]?.extensions?.code;

export interface InProcessGraphQL {
  services: AppServices;
  /** Unexpected (masked) errors the server logged. */
  unexpectedErrors: unknown[];
  execute<Data = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Data>>;
}

export function testServerConfig(storageUrl: string): ServerConfig {
  return {
    storageUrl,
    artifactStoreUrl: 'file://./artifacts',
    host: '127.0.0.1',
    port: 0,
    s3: { forcePathStyle: false, region: 'us-east-1' },
    gcs: {},
    backoff: defaultBackoffConfig,
    uploads: { maxFileSize: 1024 * 1024, maxFiles: 5, maxFieldSize: 1024 * 1024 },
    corsOrigins: [],
    allowFinishedTrialUploads: false,
    watchIntervalSeconds: 1,
    databaseBusyTimeoutSeconds: 5,
    allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
    maxQueryBytes: 256 * 1024,
    uploadIdleTimeoutSeconds: 60,
    maxSubscriptionsPerConnection: 100,
  };
}

export function createInProcessGraphQL(database: SqliteOptunaDatabase): InProcessGraphQL {
  const services: AppServices = {
    config: testServerConfig(`sqlite:///${database.path}`),
    database,
    // The read API and ask/tell never touch the artifact store.
    store: {} as AppServices['store'],
    events: new ArtifactEventLog(),
  };
  const unexpectedErrors: unknown[] = [];
  const yoga = createYoga({
    schema,
    context: () => createGraphQLContext(services),
    maskedErrors: graphqlMaskedErrors((error) => unexpectedErrors.push(error)),
    logging: false,
  });
  return {
    services,
    unexpectedErrors,
    async execute(query, variables) {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
  };
}
