// The node:http server: routes requests to GraphQL (Yoga), the artifact downloads, the web
// page and the health checks, and owns the listening socket's lifecycle.
import { createServer as createNodeServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AppServices } from '../app-services.js';
import { createGraphQLServer } from './graphql-handler.js';
import { applyCors } from './cors.js';
import { refuseForeignHost } from './host-check.js';
import { answerLiveness, answerReadiness } from './health-routes.js';
import { sendGraphQLError, sendText } from './plain-response.js';
import { bearerToken, isCsrfSuspect, isMultipartRequest, isTokenAccepted } from './request-guards.js';
import { MultipartRequestError, parseMultipartRequest, spoolSettingsFor } from './multipart.js';
import { watchRequestBody } from './request-body-watch.js';
import { serveArtifactDownload } from './download-route.js';
import { receiveStagedUpload, stagedUploadPathPrefix } from './staged-upload-route.js';
import { graphiqlAssetsPath, serveGraphiQLAsset } from './graphiql-assets.js';
import { serveExamplesPage } from './examples-page.js';
import { createWebPage, webAssetsPath } from './web-page.js';
import { attachGraphQLWebSocketServer } from './websocket-server.js';
import { maxJsonRequestBytes } from './json-body-limit.js';
import { appErrorOfDatabaseError, isAppError } from '../errors.js';
import { logger } from '../logger.js';
import { describeError } from '../error-text.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  readonly url: string;
  readonly httpServer: Server;
  stop(): Promise<void>;
}

export function createHttpServer(services: AppServices) {
  const graphqlServer = createGraphQLServer(services);
  const sockets = new Set<Socket>();
  const webPage = createWebPage({
    tokenRequired: services.config.authToken !== undefined,
    publicUrl: services.config.publicUrl,
  });

  const handleRequest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (refuseForeignHost(request, response, services.config.allowedHosts)) return;
    if (applyCors(request, response, services.config.corsOrigins)) return;
    const path = (request.url ?? '/').split('?')[0]!;

    if (path === '/graphql') {
      if (isCsrfSuspect(request)) {
        // Answer before reading the body: a cross-site form must not get an upload stored.
        response.setHeader('Connection', 'close');
        sendText(
          response,
          403,
          'This request needs a custom header (x-graphql-yoga-csrf or apollo-require-preflight) to prevent cross-site request forgery.',
        );
        return;
      }
      if (isMultipartRequest(request)) return handleMultipartGraphQL(request, response);
      await graphqlServer(request, response);
      return;
    }
    if (path.startsWith('/artifacts/')) return serveArtifactDownload(request, response, services);
    if (path.startsWith(stagedUploadPathPrefix)) return receiveStagedUpload(request, response, services);
    if (path === '/') return webPage.servePage(request, response);
    if (path.startsWith(webAssetsPath)) return webPage.serveAsset(request, response, path);
    if (path === '/examples') return serveExamplesPage(request, response);
    if (path.startsWith(graphiqlAssetsPath)) return serveGraphiQLAsset(request, response, path);
    if (path === '/healthz') return answerLiveness(response);
    if (path === '/readyz') return answerReadiness(response, services);
    sendText(response, 404, 'Not found');
  };

  const handleMultipartGraphQL = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const { authToken } = services.config;
    // Multipart requests carry uploads, which are mutations: with a token configured, refuse
    // them before a byte of the (possibly huge) body is read.
    if (authToken !== undefined && !isTokenAccepted(bearerToken(request.headers.authorization), authToken)) {
      response.setHeader('Connection', 'close');
      sendGraphQLError(response, 401, 'UNAUTHENTICATED', 'uploads need "Authorization: Bearer <token>"', {
        'WWW-Authenticate': 'Bearer',
      });
      return;
    }
    const { uploads } = services.config;
    let parsed;
    try {
      parsed = await parseMultipartRequest(request, response, uploads, spoolSettingsFor(services.store, uploads));
    } catch (error) {
      if (!(error instanceof MultipartRequestError)) throw error;
      sendGraphQLError(
        response,
        error.status,
        error.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_USER_INPUT',
        error.message,
      );
      return;
    }
    const { operations, files } = parsed;
    // Hand Yoga the parsed operations as the request body; the multipart body itself is
    // consumed by the file receivers, so its length no longer applies.
    (request as IncomingMessage & { body?: unknown }).body = operations;
    delete request.headers['content-length'];
    try {
      await graphqlServer(request, response);
    } finally {
      // Files no resolver took (the operation failed first, or does not use them): the rest
      // of each is read and dropped, and what was spooled of it removed.
      await Promise.all(files.filter((file) => !file.isClaimed).map((file) => file.discard()));
    }
  };

  const httpServer = createNodeServer(
    // A request body is cut when no byte arrived for --upload-idle-timeout (watchRequestBody),
    // never for its total duration (Node's requestTimeout, 300 s by default, would cut big
    // uploads on slow links). Headers still have to arrive within Node's usual minute.
    { requestTimeout: 0, headersTimeout: 60_000 },
    (request, response) => {
      watchRequestBody(request, response, services.config.uploadIdleTimeoutSeconds * 1000);
      handleRequest(request, response).catch((error: unknown) => {
        // A refusal with a code (the database locked past the busy timeout: 503) is an answer.
        const clientError = isAppError(error) ? error : appErrorOfDatabaseError(error);
        if (clientError && !response.headersSent)
          return sendText(response, clientError.httpStatus, clientError.message);
        logger.error('request failed', {
          method: request.method,
          url: request.url,
          error: describeError(error, { stack: true }),
        });
        if (!response.headersSent) sendText(response, 500, 'Internal server error');
        else response.destroy();
      });
    },
  );
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const webSocketServer = attachGraphQLWebSocketServer(httpServer, graphqlServer, {
    authToken: services.config.authToken,
    allowedOrigins: services.config.corsOrigins,
    allowedHosts: services.config.allowedHosts,
    publicUrl: services.config.publicUrl,
    maxMessageBytes: maxJsonRequestBytes(services.config.maxQueryBytes),
    maxSubscriptionsPerConnection: services.config.maxSubscriptionsPerConnection,
  });

  return {
    httpServer,
    graphqlServer,
    /** Listens on host:port (port 0 = any free port) and resolves with the running server. */
    async start(host: string, port: number): Promise<RunningServer> {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const address = httpServer.address();
      if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
      const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `http://${hostForUrl}:${address.port}`,
        httpServer,
        stop: async () => {
          const closingWebSockets = webSocketServer.close();
          await new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            for (const socket of sockets) socket.destroy();
          });
          await closingWebSockets;
        },
      };
    },
  };
}
