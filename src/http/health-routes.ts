// /healthz answers while the process serves; /readyz also proves the database and the store answer.
// While another process locks the database, /readyz waits as a request would: ready if the lock
// goes within the busy timeout, 503 when it does not.
import type { ServerResponse } from 'node:http';
import type { AppServices } from '../app-services.js';
import { sendJson } from './plain-response.js';

export function answerLiveness(response: ServerResponse): void {
  sendJson(response, 200, { status: 'ok' }, { 'Cache-Control': 'no-store' });
}

export async function answerReadiness(response: ServerResponse, services: AppServices): Promise<void> {
  const problems: string[] = [];
  try {
    await services.database.checkReadable();
  } catch (error) {
    problems.push(`database: ${(error as Error).message}`);
  }
  try {
    await services.store.checkReachable();
  } catch (error) {
    problems.push(`artifact store: ${(error as Error).message}`);
  }
  sendJson(response, problems.length === 0 ? 200 : 503, { status: problems.length === 0 ? 'ready' : 'unavailable', problems }, { 'Cache-Control': 'no-store' });
}
