// /healthz answers while the process serves; /readyz also proves the database and the store answer.
// Readiness probes are often reachable by more than the operator (a load balancer, a public
// status page): answers say only ok / unavailable, and the reasons, which name paths, hosts
// and buckets, go to the server's log.
// While another process locks the database, /readyz waits as a request would: ready if the lock
// goes within the busy timeout, unavailable when it does not.
import type { ServerResponse } from 'node:http';
import type { AppServices } from '../app-services.js';
import { logger } from '../logger.js';
import { sendJson } from './plain-response.js';
import { describeError } from '../error-text.js';

type CheckResult = 'ok' | 'unavailable';

export function answerLiveness(response: ServerResponse): void {
  sendJson(response, 200, { status: 'ok' }, { 'Cache-Control': 'no-store' });
}

export async function answerReadiness(response: ServerResponse, services: AppServices): Promise<void> {
  const checks = {
    database: await probe('database', async () => services.database.checkReadable()),
    artifactStore: await probe('artifactStore', () => services.store.checkReachable()),
  };
  const ready = checks.database === 'ok' && checks.artifactStore === 'ok';
  sendJson(
    response,
    ready ? 200 : 503,
    { status: ready ? 'ready' : 'unavailable', checks },
    { 'Cache-Control': 'no-store' },
  );
}

async function probe(check: string, run: () => Promise<void>): Promise<CheckResult> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    logger.warn('not ready', { check, reason: describeError(error) });
    return 'unavailable';
  }
}
