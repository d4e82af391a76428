// Watches a request's body while it arrives. A body is cut only when no byte came for the idle
// timeout — there is no limit on how long a whole body may take, so a slow link still finishes
// a big upload. Cut bodies and clients that go away mid-body are normal events: one log line
// each, no stack.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '../logger.js';

/** What Node's own request timeout answers, when no answer was begun yet. */
const requestTimeoutAnswer = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Checks this many times per idle timeout: a silent body is cut within 1¼ timeouts. */
const checksPerTimeout = 4;

export function watchRequestBody(request: IncomingMessage, response: ServerResponse, idleTimeoutMs: number): void {
  const hasBody =
    request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0';
  if (!hasBody) return;
  const socket = request.socket;
  let bytesSeen = socket.bytesRead;
  let progressAt = Date.now();
  let cut = false;

  const check = (): void => {
    if (request.complete || socket.destroyed) return clearInterval(timer);
    // While the request holds a full buffer, Node has stopped reading the socket: the server
    // is holding the body back, not the client.
    const heldBack = request.readableLength >= request.readableHighWaterMark;
    if (socket.bytesRead !== bytesSeen || heldBack) {
      bytesSeen = socket.bytesRead;
      progressAt = Date.now();
      return;
    }
    if (Date.now() - progressAt < idleTimeoutMs) return;
    cut = true;
    clearInterval(timer);
    logger.warn('request body cut: no byte arrived for the idle timeout (--upload-idle-timeout)', {
      method: request.method,
      url: request.url,
      idleTimeoutSeconds: idleTimeoutMs / 1000,
      socketBytesRead: socket.bytesRead,
    });
    // As Node's own request timeout does: answer if nothing was sent yet, then close, which
    // fails the upload (every part of it is removed) wherever it is.
    if (!response.headersSent && socket.writable) socket.write(requestTimeoutAnswer);
    socket.destroy();
  };
  const timer = setInterval(check, idleTimeoutMs / checksPerTimeout);
  timer.unref();

  request.once('close', () => {
    clearInterval(timer);
    // After an answer was sent, closing is this server's doing (or the end of a keep-alive).
    if (request.complete || cut || response.writableFinished) return;
    logger.info('client went away before sending the whole request body', {
      method: request.method,
      url: request.url,
      socketBytesRead: socket.bytesRead,
    });
  });
}
