// The GraphiQL page Yoga answers on GET /graphql from a browser: it references only the files
// this server serves (graphiql-assets.ts), never a CDN, and says so in its Content-Security-Policy.
import { createHash } from 'node:crypto';
import type { GraphiQLOptions } from 'graphql-yoga';
import { graphiqlAssetUrl } from './graphiql-assets.js';
import { escapeHtml } from './html.js';

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`. */
const scriptSafeJson = (value: unknown): string => JSON.stringify(value).replaceAll('<', '\\u003c');

/** Yoga's `renderGraphiQL`: the page for these options (title, endpoint, subscriptionsProtocol…). */
export function renderGraphiQLPage(options: GraphiQLOptions = {}): string {
  const title = options.title ?? 'GraphiQL';
  // Monaco starts its editor, JSON and GraphQL workers from these URLs (same origin).
  const workerUrls = {
    editorWorkerService: graphiqlAssetUrl('monacoeditorwork/editor.worker.bundle.js'),
    json: graphiqlAssetUrl('monacoeditorwork/json.worker.bundle.js'),
    graphql: graphiqlAssetUrl('monacoeditorwork/graphql.worker..bundle.js'),
  };
  const startScript = [
    `const workerUrls = ${scriptSafeJson(workerUrls)};`,
    'self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => new URL(workerUrls[label] ?? workerUrls.editorWorkerService, location.href).href };',
    `YogaGraphiQL.renderYogaGraphiQL(document.getElementById('graphiql'), ${scriptSafeJson(options)});`,
  ].join('\n');
  const contentSecurityPolicy = [
    "default-src 'none'",
    // The bundle, and the one inline script above by its hash.
    `script-src 'self' 'sha256-${createHash('sha256').update(startScript).digest('base64')}'`,
    // React and Monaco set style attributes and add <style> elements at run time.
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    // Queries over HTTP and SSE; subscriptions over WebSocket (same host: 'self' covers ws:/wss:).
    "connect-src 'self'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${graphiqlAssetUrl('graphiql.css')}">
<script defer src="${graphiqlAssetUrl('yoga-graphiql.umd.js')}"></script>
<script type="module">${startScript}</script>
</head>
<body>
<div id="graphiql">Loading ${escapeHtml(title)}…</div>
</body>
</html>
`;
}
