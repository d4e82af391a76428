// The per-request GraphQL context: the server's services plus this request's dataloaders (a
// fresh set per request, so nothing cached outlives it).
import { initContextCache } from '@pothos/core';
import type { AppServices } from '../app-services.js';
import { RenewableRequestLoaders } from './loaders.js';

export interface GraphQLContext {
  services: AppServices;
  loaders: RenewableRequestLoaders;
  /**
   * The `Last-Event-ID` request header: the cursor of the last event a reconnecting
   * EventSource received. A subscription resumes after it, as after `since`.
   */
  lastEventId?: string;
  /**
   * Where clients reach this server: --public-url, else the origin the request was sent to
   * (its Host header, already checked against --allowed-host).
   */
  serverOrigin: string;
  /** The cursor of the subscription event being resolved; SSE sends it as the event's `id`. */
  eventCursor?: string;
}

export function createGraphQLContext(services: AppServices, request?: Request): GraphQLContext {
  return {
    // Pothos keeps its own per-request loaders (loadable nodes) in this cache.
    ...initContextCache(),
    services,
    loaders: new RenewableRequestLoaders(services.database),
    lastEventId: request?.headers.get('last-event-id') || undefined,
    serverOrigin: services.config.publicUrl ?? (request ? new URL(request.url).origin : ''),
  };
}

/**
 * Gives a context that outlives its first result (a subscription's) the caches of a new
 * request: fresh dataloaders, ours and Pothos's, for what is resolved next.
 */
export function renewRequestCaches(context: GraphQLContext): void {
  Object.assign(context, initContextCache());
  context.loaders.renew();
}
