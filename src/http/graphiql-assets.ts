// GraphiQL's files, served by this server from the installed @graphql-yoga/graphiql package, so
// the GraphiQL page loads nothing from another origin and works offline.
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sendText } from './plain-response.js';

const packageJsonPath = createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json');
const packageVersion = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
const packageDist = join(dirname(packageJsonPath), 'dist');

/**
 * Where the assets are served. The package version is part of the path, so browsers may keep
 * the files for good: an upgrade changes every URL the page references.
 */
export const graphiqlAssetsPath = `/graphql/assets/${packageVersion}/`;

/** The asset's URL path (under graphiqlAssetsPath). */
export const graphiqlAssetUrl = (name: GraphiQLAssetName): string => graphiqlAssetsPath + name;

// The package's dist files the page and its editor load; nothing else of the package is served.
const assetTypes = {
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'graphiql.css': 'text/css; charset=utf-8',
  // Monaco's editor, JSON and GraphQL language workers (the double dot is the package's own name).
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
} as const;

export type GraphiQLAssetName = keyof typeof assetTypes;

const isAssetName = (name: string): name is GraphiQLAssetName => Object.hasOwn(assetTypes, name);

/** GET/HEAD `path` (which starts with graphiqlAssetsPath): one of the files above, or 404. */
export async function serveGraphiQLAsset(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  const name = path.slice(graphiqlAssetsPath.length);
  if (!isAssetName(name)) {
    sendText(response, 404, 'Not found');
    return;
  }
  const file = join(packageDist, name);
  const { size } = await stat(file);
  response.writeHead(200, {
    'Content-Type': assetTypes[name],
    'Content-Length': String(size),
    'Cache-Control': 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  try {
    await pipeline(createReadStream(file), response);
  } catch (error) {
    // A browser that leaves the page stops loading it: nothing to report.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}
