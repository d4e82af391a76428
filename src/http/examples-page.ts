// GET /examples (and HEAD): a small static page of example queries, each opened in GraphiQL by a
// link, and the health routes (the artifact browser at `/` links it). Written once at start; it
// loads nothing, so its policy allows nothing but its own inline style.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from './html.js';
import { sendText } from './plain-response.js';

/** The README's example queries, each opened in GraphiQL by a link. */
const exampleQueries: { title: string; query: string }[] = [
  {
    title: 'Studies, their trials and their artifacts',
    query: `{
  studies(first: 20) {
    totalCount
    edges {
      node {
        studyId
        name
        directions
        trialCount
        complete: trialCount(states: [COMPLETE])
        bestTrial { number values }
        artifacts(first: 50) { edges { node { artifactId filename mimetype size downloadUrl } } }
        trials(first: 100) {
          edges {
            node {
              number
              state
              values
              params { name value }
              artifacts(first: 50) { totalCount edges { node { filename downloadUrl } } }
            }
          }
        }
      }
    }
  }
}`,
  },
  {
    title: 'The newest artifacts of every study and trial',
    query: `{
  artifacts(first: 20) {
    totalCount
    edges {
      node { artifactId filename mimetype size createdAt downloadUrl study { name } trial { number } }
    }
  }
}`,
  },
  {
    title: "Create a study (then createTrial and finishTrial: Optuna's ask and tell)",
    query: `mutation { createStudy(name: "demo", directions: [MINIMIZE]) { studyId } }`,
  },
  {
    title: 'The live feed of new artifacts',
    query: `subscription { artifactCreated { cursor artifact { artifactId filename downloadUrl } } }`,
  },
];

const style = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
pre { background: #f4f4f4; padding: .75rem; overflow-x: auto; font-size: 13px; }
code { font-family: ui-monospace, monospace; }
h2 { margin-top: 2rem; }
`;

const graphiqlLink = (query: string): string => `/graphql?${new URLSearchParams({ query }).toString()}`;

const examples = exampleQueries
  .map(
    ({ title, query }) => `<h3>${escapeHtml(title)}</h3>
<pre><code>${escapeHtml(query)}</code></pre>
<p><a href="${escapeHtml(graphiqlLink(query))}">Open in GraphiQL</a></p>`,
  )
  .join('\n');

const page = Buffer.from(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>optuna-artifacts-graphql</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<h1>optuna-artifacts-graphql</h1>
<p><a href="/">The artifact browser</a></p>
<p>A GraphQL server for the artifacts of Optuna studies and trials, on Optuna's own database and artifact store.</p>
<h2>GraphQL</h2>
<p><a href="/graphql">GraphiQL</a> — write and run queries in the browser. The endpoint is <code>/graphql</code>
(POST or GET; subscriptions over SSE or WebSocket); the whole API is in <code>schema.graphql</code>.</p>
<h2>Example queries</h2>
${examples}
<h2>Downloads</h2>
<p>An artifact's bytes: <code>GET /artifacts/{artifactId}</code> (its <code>downloadUrl</code>).</p>
<h2>Health</h2>
<ul>
<li><a href="/healthz"><code>/healthz</code></a> — the server is up</li>
<li><a href="/readyz"><code>/readyz</code></a> — the database and the artifact store answer</li>
</ul>
</body>
</html>
`);

const headers = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Length': String(page.length),
  'Content-Security-Policy': [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`,
    // The empty icon (data:,) keeps browsers from asking for /favicon.ico.
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export function serveExamplesPage(request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  response.writeHead(200, headers);
  response.end(request.method === 'HEAD' ? undefined : page);
}
