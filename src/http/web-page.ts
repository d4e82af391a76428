// GET / and /assets/*: the artifact browser (web/, built by Vite into dist/web by `npm run
// build`). Everything the page loads comes from this server, and its policy allows nothing
// else: scripts and styles only from files here, fetches only to this origin, no inline code.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendText } from './plain-response.js';

/** Where the page's hashed script and style files are served. */
export const webAssetsPath = '/assets/';

/**
 * dist/web as seen from this module: beside the bundle when the server runs from dist/ (npm
 * start), two folders up when it runs from its sources (npm run dev, the tests).
 */
const webBuildDirectory = [new URL('./web/', import.meta.url), new URL('../../dist/web/', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((directory) => existsSync(join(directory, 'index.html')));

const assetTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Asset names are Vite's `name-hash.ext`: no folders, so no path can leave the folder. */
const assetName = /^[\w-]+\.(js|css)$/;

/** What the page's <meta name="optuna-artifacts-auth"> says when the server wants a token. */
const authMeta = '<meta name="optuna-artifacts-auth" content="none" />';

export interface WebPageOptions {
  /** The server was started with --auth-token: the page asks for the token before writing. */
  tokenRequired: boolean;
  /** --public-url: download URLs are absolute under it, so previews load from there. */
  publicUrl?: string;
}

function pagePolicy(publicUrl: string | undefined): string {
  const self = publicUrl === undefined ? "'self'" : `'self' ${new URL(publicUrl).origin}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // data: is the page's empty icon, which keeps browsers from asking for /favicon.ico.
    `img-src ${self} data:`,
    `media-src ${self}`,
    `connect-src ${self}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createWebPage(options: WebPageOptions) {
  const page =
    webBuildDirectory === undefined
      ? undefined
      : Buffer.from(
          readFileSync(join(webBuildDirectory, 'index.html'), 'utf8').replace(
            authMeta,
            authMeta.replace('"none"', options.tokenRequired ? '"bearer"' : '"none"'),
          ),
        );
  const pageHeaders = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': pagePolicy(options.publicUrl),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };

  const refuseOtherMethods = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method === 'GET' || request.method === 'HEAD') return false;
    sendText(response, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return true;
  };

  return {
    /** GET / */
    servePage(request: IncomingMessage, response: ServerResponse): void {
      if (refuseOtherMethods(request, response)) return;
      if (page === undefined) {
        sendText(response, 503, 'The web page is not built: run `npm run build` (GraphiQL is at /graphql).');
        return;
      }
      response.writeHead(200, { ...pageHeaders, 'Content-Length': String(page.length) });
      response.end(request.method === 'HEAD' ? undefined : page);
    },

    /** GET /assets/{name}: a file of the build, kept by browsers for good (its name has its hash). */
    async serveAsset(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
      if (refuseOtherMethods(request, response)) return;
      const name = path.slice(webAssetsPath.length);
      if (webBuildDirectory === undefined || !assetName.test(name)) {
        sendText(response, 404, 'Not found');
        return;
      }
      let body: Buffer;
      try {
        body = await readFile(join(webBuildDirectory, 'assets', name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        sendText(response, 404, 'Not found');
        return;
      }
      response.writeHead(200, {
        'Content-Type': assetTypes[extname(name)]!,
        'Content-Length': String(body.length),
        'Cache-Control': 'public, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    },
  };
}
