// The DNS-rebinding guard: a page on attacker.example whose name is rebound to this machine
// reaches the server with `Host: attacker.example`; only the names in --allowed-host (by
// default this machine's loopback names and the --public-url host) are answered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forbidden } from '../errors.js';
import { sendGraphQLError } from './plain-response.js';

/** Answers 403 FORBIDDEN when the request's Host is not allowed; returns true when it did. */
export function refuseForeignHost(
  request: IncomingMessage,
  response: ServerResponse,
  allowedHosts: readonly string[] | undefined,
): boolean {
  if (isHostAllowed(request.headers.host, allowedHosts)) return false;
  const refusal = forbidden('The Host header names no host this server answers to (see --allowed-host)');
  // The body (perhaps a large upload) is not read: close instead of draining it.
  sendGraphQLError(response, refusal.httpStatus, refusal.code, refusal.message, { Connection: 'close' });
  return true;
}

/**
 * Whether `host` (a Host header, or the host of an Origin) names this server. Entries are
 * lower case `name` or `name:port`; an entry without a port matches any port.
 * `allowedHosts` undefined = any host (bound to a public address and no --allowed-host given).
 */
export function isHostAllowed(host: string | undefined, allowedHosts: readonly string[] | undefined): boolean {
  if (allowedHosts === undefined) return true;
  if (host === undefined) return false;
  const requested = splitHost(host.trim().toLowerCase());
  return allowedHosts.some((entry) => {
    const allowed = splitHost(entry);
    if (allowed.name !== requested.name) return false;
    if (allowed.port === undefined) return true;
    // A browser leaves out the scheme's default port; behind a TLS proxy the server cannot
    // tell http from https, so a Host without a port matches an entry on 80 or 443.
    return requested.port === undefined
      ? allowed.port === '80' || allowed.port === '443'
      : allowed.port === requested.port;
  });
}

/** `name` and `port` of `name[:port]`; an IPv6 name keeps its brackets (`[::1]:4000`). */
function splitHost(host: string): { name: string; port: string | undefined } {
  const portStart = host.startsWith('[') ? host.indexOf(':', host.indexOf(']')) : host.lastIndexOf(':');
  return portStart === -1
    ? { name: host, port: undefined }
    : { name: host.slice(0, portStart), port: host.slice(portStart + 1) };
}
