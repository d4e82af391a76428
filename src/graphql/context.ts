// The per-request GraphQL context: the server's services plus this request's dataloaders (a
// fresh set per request, so nothing cached outlives it).
import { initContextCache } from '@pothos/core';
import type { AppServices } from '../app-services.js';
import { createRequestLoaders, type RequestLoaders } from './loaders.js';

export interface GraphQLContext {
  services: AppServices;
  loaders: RequestLoaders;
}

export function createGraphQLContext(services: AppServices): GraphQLContext {
  return {
    // Pothos keeps its own per-request loaders (loadable nodes) in this cache.
    ...initContextCache(),
    services,
    loaders: createRequestLoaders(services.database),
  };
}
