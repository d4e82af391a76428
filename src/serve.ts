// Serving: the HTTP server listening on the configured address, and the watcher that announces
// on the live feed what other processes write to the database; both stopped together.
import type { AppServices } from './app-services.js';
import { startArtifactWatcher } from './events/artifact-watcher.js';
import { createHttpServer, type RunningServer } from './http/server.js';

/** Listens on host:port (port 0 = any free port), then starts the watcher. */
export async function startServing(services: AppServices, host: string, port: number): Promise<RunningServer> {
  const running = await createHttpServer(services).start(host, port);
  let watcher;
  try {
    watcher = await startArtifactWatcher(services.database, services.events, {
      intervalSeconds: services.config.watchIntervalSeconds,
    });
  } catch (error) {
    await running.stop();
    throw error;
  }
  return {
    ...running,
    async stop() {
      await watcher.stop();
      await running.stop();
    },
  };
}
