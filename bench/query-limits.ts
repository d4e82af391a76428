// Huge GraphQL documents sent to the server process — one of 9 MB and 20 distinct ones of
// 1.5 MB, made of one-letter fields (the most parse work and parsed nodes per byte): each must
// be refused with a 4xx at once, and the server's memory must stay where it was.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from './support/child-process.js';
import { curl } from './support/curl.js';
import { postGraphQL } from './support/graphql-client.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { startRssSampler } from './support/rss-sampler.js';
import { formatMiB, formatMs, median, MiB } from './support/units.js';

/** Before the document limits, one 9 MB document took the server from 0.2 to 3.3 GB. */
const maxRssGrowthBytes = 150 * MiB;

/** `{ a a a … }` of about `bytes` bytes; `tag` makes each document distinct (no cache hit). */
const oneLetterFields = (bytes: number, tag: string) => `{ ${'a '.repeat(Math.floor(bytes / 2))}${tag} }`;

interface Answer {
  status: number;
  milliseconds: number;
}

/**
 * POSTs the JSON body in `path` with curl, which stops sending once the server has answered
 * (Node's clients finish writing the body first, which measures the client, not the server).
 */
async function postDocument(baseUrl: string, path: string): Promise<Answer> {
  const transfer = await curl(
    [`${baseUrl}/graphql`, '-H', 'content-type: application/json', '--data-binary', `@${path}`],
    '/dev/null',
  );
  return { status: transfer.status, milliseconds: transfer.seconds * 1000 };
}

/** Writes the request body of each document to a file of the workspace. */
async function writeRequestBodies(workspace: string, documents: string[]): Promise<string[]> {
  return Promise.all(
    documents.map(async (query, index) => {
      const path = join(workspace, `document-${index}.json`);
      await writeFile(path, JSON.stringify({ query }));
      return path;
    }),
  );
}

export async function runQueryLimitsBenchmark(): Promise<ResultRow[]> {
  const workspace = await mkdtemp(join(tmpdir(), 'bench-query-limits-'));
  try {
    const [warmUp, ...bodies] = await writeRequestBodies(workspace, [
      oneLetterFields(MiB, 'warm-up'),
      oneLetterFields(9 * MiB, 'huge'),
      ...Array.from({ length: 20 }, (_, index) => oneLetterFields(1.5 * MiB, `b${index}`)),
    ]);
    const server = await startServerProcess({
      databasePath: join(workspace, 'optuna.db'),
      artifactDirectory: join(workspace, 'artifacts'),
    });
    const answers: Answer[] = [];
    let growthBytes: number;
    let stillAnswers: boolean;
    try {
      // Warm-up: load the query path and the refusal path before measuring.
      await postGraphQL(server.url, '{ studies { totalCount } }');
      await postDocument(server.url, warmUp!);
      const sampler = startRssSampler(server.pid);
      for (const body of bodies) answers.push(await postDocument(server.url, body));
      growthBytes = sampler.stop().growthBytes;
      const health = await fetch(`${server.url}/healthz`);
      await postGraphQL(server.url, '{ studies { totalCount } }');
      stillAnswers = health.status === 200;
    } finally {
      await server.stop();
    }

    const refused = answers.filter((answer) => answer.status >= 400 && answer.status < 500).length;
    const latencies = answers.map((answer) => answer.milliseconds);
    progress(
      `query limits: ${refused}/${answers.length} refused (statuses ${[...new Set(answers.map((answer) => answer.status))].join(', ')}), RSS growth ${formatMiB(growthBytes)}`,
    );

    const benchmark = '1 × 9 MB + 20 × 1.5 MB GraphQL documents';
    return [
      {
        benchmark,
        measure: 'refused with a 4xx',
        value: `${refused}/${answers.length}`,
        target: 'all',
        met: refused === answers.length,
      },
      {
        benchmark,
        measure: 'answer time p50 / max (curl, connect to last byte)',
        value: `${formatMs(median(latencies))} / ${formatMs(Math.max(...latencies))}`,
      },
      {
        benchmark,
        measure: 'server peak RSS growth',
        value: formatMiB(growthBytes),
        target: `< ${formatMiB(maxRssGrowthBytes)}`,
        met: growthBytes < maxRssGrowthBytes,
      },
      {
        benchmark,
        measure: '/healthz and a query afterwards',
        value: stillAnswers ? 'answered' : 'not answered',
        target: 'answered',
        met: stillAnswers,
      },
    ];
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
