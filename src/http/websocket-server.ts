// GraphQL over WebSocket (graphql-ws, protocol `graphql-transport-ws`) on the HTTP server's
// /graphql path. Operations run through Yoga's envelop (`getEnveloped`), so they get the same
// schema, context, operation limits, error masking and token check as HTTP and SSE requests.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, type ExecutionArgs, type GraphQLError } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createGraphQLError, isAsyncIterable } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { GraphQLServer } from './graphql-handler.js';
import { createMaskError, isGraphQLErrorLike } from '../graphql/errors.js';
import { tooManySubscriptions, type AppError } from '../errors.js';
import { logger } from '../logger.js';
import { bearerToken, isTokenAccepted } from './request-guards.js';
import { isOriginAllowed } from './cors.js';
import { isHostAllowed } from './host-check.js';
import { SubscriptionSlots } from './subscription-slots.js';

export interface GraphQLWebSocketOptions {
  /** With a token, a client must present it in `connectionParams` (or the upgrade request's header). */
  authToken?: string;
  /**
   * Browser pages from these origins may connect (--cors-origin; `*` = any), besides pages of
   * the server's own origin. WebSockets are not covered by CORS: without this check any web
   * page could read and write through a server on the user's machine.
   * @default [] (same origin only)
   */
  allowedOrigins?: readonly string[];
  /**
   * The Host values this server answers to (--allowed-host; see src/http/host-check.ts): other
   * upgrades are refused (DNS rebinding), and a page is of the server's own origin only on one
   * of these names.
   * @default undefined (any host)
   */
  allowedHosts?: readonly string[];
  /** The server's address as clients see it (--public-url): its pages are of the server's own origin. */
  publicUrl?: string;
  /**
   * Milliseconds between WebSocket pings; a client that has not answered the previous one by
   * then is disconnected. 12 s stays under the 30–60 s idle timeouts of common proxies.
   * @default 12_000
   */
  keepAliveMs?: number;
  /**
   * Largest message, in bytes; `ws` closes the socket (1009) on a bigger one. A subscribe
   * message is a GraphQL request in JSON, like an HTTP POST body: the server gives it the
   * same limit (json-body-limit.ts).
   * @default 1 MiB
   */
  maxMessageBytes?: number;
  /**
   * Subscriptions one connection may hold open at once (--max-subscriptions); each holds a
   * listener and a queue of undelivered events, so one socket must not open them without end.
   * @default 100
   */
  maxSubscriptionsPerConnection?: number;
}

export interface GraphQLWebSocketServer {
  /** Says goodbye to every client (close code 1001) and stops accepting new ones. */
  close(): Promise<void>;
}

/** Errors raised while parsing or validating, answered as over HTTP: with their code, or masked. */
const maskError = createMaskError(logger, 'unexpected error in a WebSocket operation');

export function attachGraphQLWebSocketServer(
  httpServer: Server,
  yoga: GraphQLServer,
  options: GraphQLWebSocketOptions = {},
): GraphQLWebSocketServer {
  const webSocketServer = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 1024 * 1024 });
  const { authToken } = options;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!isHostAllowed(request.headers.host, options.allowedHosts) || !isPageAllowed(request, options)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    webSocketServer.handleUpgrade(request, socket, head, (webSocket) =>
      webSocketServer.emit('connection', webSocket, request),
    );
  };
  httpServer.on('upgrade', onUpgrade);

  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 100;
  const subscriptionSlots = new SubscriptionSlots(maxSubscriptions);
  const server = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: (context) => {
        if (authToken === undefined) return true;
        const presented = tokenOfConnection(context.connectionParams, context.extra.request);
        // false → graphql-ws closes the socket with 4403 Forbidden.
        return isTokenAccepted(presented, authToken);
      },
      onSubscribe: async (context, id, payload) => {
        const upgradeRequest = context.extra.request;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          request: requestOfConnection(upgradeRequest, context.connectionParams),
          req: upgradeRequest,
          socket: context.extra.socket,
          params: payload,
        });
        let document;
        try {
          document = parse(payload.query);
          // Plugins may throw from parse or validate (the document limits and graphql-armor's
          // do) rather than return errors: either way the client gets an error message with
          // the error's code, and the socket stays open.
          const validationErrors = validate(schema, document);
          if (validationErrors.length > 0) return validationErrors;
        } catch (error) {
          // AppErrors (PAYLOAD_TOO_LARGE) get their code; unexpected errors are logged and masked.
          const masked = maskError(error, 'Unexpected error.');
          if (isGraphQLErrorLike(masked)) return [masked];
          throw error;
        }
        const isSubscription = getOperationAST(document, payload.operationName)?.operation === 'subscription';
        // Checked before anything is allocated for the subscription, and before the first
        // await, so that a burst of subscribe messages cannot slip past the count together.
        if (isSubscription && !subscriptionSlots.take(context, id)) {
          const advice = 'complete one first, or open another connection';
          return [
            graphQLErrorOf(
              tooManySubscriptions(
                `This connection already has ${maxSubscriptions} open subscriptions (--max-subscriptions); ${advice}`,
              ),
            ),
          ];
        }
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        if (!isSubscription) return args;
        // The subscription starts here rather than in `subscribe` below: a refusal (an unknown
        // owner, a malformed or expired `since`) then reaches the client as a graphql-ws
        // `error` message, as the protocol has it, instead of a `next` that looks like an event.
        const stream = await subscribe(args);
        if (!isAsyncIterable(stream) && stream.errors?.length) return [...stream.errors];
        const started: EnvelopedRoot = { execute, subscribe: () => stream };
        return { ...args, rootValue: started };
      },
      // The envelop-wrapped functions travel in rootValue from onSubscribe (the recipe of
      // graphql-ws and Yoga): each operation gets the plugins of its own getEnveloped call.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
    },
    webSocketServer,
    options.keepAliveMs ?? 12_000,
  );

  return {
    async close() {
      httpServer.off('upgrade', onUpgrade);
      await server.dispose();
    },
  };
}

interface EnvelopedRoot {
  execute: NonNullable<ServerOptions['execute']>;
  subscribe: NonNullable<ServerOptions['subscribe']>;
}

/** An AppError as graphql-ws sends it in an `error` message: its message and its code. */
const graphQLErrorOf = (error: AppError): GraphQLError =>
  createGraphQLError(error.message, { extensions: { code: error.code } });

/**
 * No Origin (a client outside a browser), an allowed origin, or a page of the server's own
 * origin: the --public-url's, or one on the host the socket was opened to, provided that host
 * is one of the server's names — after DNS rebinding, an attacker's page sends an Origin that
 * matches the (rebound) Host, so matching the Host alone proves nothing.
 */
function isPageAllowed(request: IncomingMessage, options: GraphQLWebSocketOptions): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || isOriginAllowed(origin, options.allowedOrigins ?? [])) return true;
  if (options.publicUrl !== undefined && new URL(options.publicUrl).origin === origin) return true;
  if (!URL.canParse(origin)) return false;
  const pageHost = new URL(origin).host;
  return pageHost === request.headers.host?.toLowerCase() && isHostAllowed(pageHost, options.allowedHosts);
}

/**
 * The token a WebSocket client presents: `connectionParams.authorization` ("Bearer TOKEN", as
 * the HTTP header), `connectionParams.authToken`, or the upgrade request's own header (clients
 * outside browsers can set it).
 */
function tokenOfConnection(
  connectionParams: Record<string, unknown> | undefined,
  upgradeRequest: IncomingMessage,
): string | undefined {
  const authorization = connectionParams?.authorization ?? connectionParams?.Authorization;
  if (typeof authorization === 'string') return bearerToken(authorization);
  if (typeof connectionParams?.authToken === 'string') return connectionParams.authToken;
  return bearerToken(upgradeRequest.headers.authorization);
}

/**
 * A Fetch Request standing for the connection in the GraphQL context, as HTTP operations have:
 * the upgrade request's headers, with the token from `connectionParams` as `authorization`
 * (src/http/auth-plugin.ts reads it there).
 */
function requestOfConnection(
  upgradeRequest: IncomingMessage,
  connectionParams: Record<string, unknown> | undefined,
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgradeRequest.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) headers.set(name, value.join(', '));
  }
  const token = tokenOfConnection(connectionParams, upgradeRequest);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const host = upgradeRequest.headers.host ?? 'localhost';
  // POST: Yoga refuses mutations in GET requests (a CSRF guard for links), which a WebSocket
  // message is not.
  return new Request(`http://${host}${upgradeRequest.url ?? '/graphql'}`, { method: 'POST', headers });
}
