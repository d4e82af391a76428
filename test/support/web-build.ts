// vitest globalSetup: builds the artifact browser (web/ → dist/web) when the build is missing or
// older than a file of web/, so a test run from sources serves the page its sources describe.
// `npm ci` builds it already (the prepare script); this covers edits made since.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const webSources = join(projectRoot, 'web');
const builtPage = join(projectRoot, 'dist', 'web', 'index.html');

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

export default async function buildWebPageIfStale(): Promise<void> {
  if (existsSync(builtPage) && statSync(builtPage).mtimeMs >= newestChange(webSources)) return;
  const { build } = await import('vite');
  await build({ configFile: join(webSources, 'vite.config.ts') });
}
