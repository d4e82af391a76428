// One study with many trials and artifacts; one GraphQL query listing every trial with its
// artifacts, over HTTP against the server process (cold, then warm), and the number of SQL
// statements the same query runs in-process for a few trials and for all of them (no N+1:
// the count must not grow with the number of trials). On SQLite, then on the same rows in
// each server dialect (PostgreSQL, MariaDB), whose warm time must stay within 2× of SQLite's.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppServices } from '../src/app-services.js';
import { artifactAttributeKey, encodeArtifactMetaValueJson } from '../src/artifacts/artifact-meta.js';
import { parseCommandLine } from '../src/config/parse-command-line.js';
import { openOptunaDatabase } from '../src/db/sqlite-database.js';
import { createGraphQLServer } from '../src/http/graphql-handler.js';
import { DatetimeZone } from '../src/optuna/datetimes.js';
import { startServerProcess, storageUrlOf, type ListeningChild } from './support/child-process.js';
import { withServerCopies } from './support/database-servers.js';
import { postGraphQL } from './support/graphql-client.js';
import { cpuSeconds } from './support/process-cpu.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { formatBytes, formatMs, median } from './support/units.js';

export interface ListingOptions {
  trials: number;
  artifactsPerTrial: number;
  /** Warm queries after the cold one; the median counts. */
  warmRepeats: number;
  /** Trials of the small query whose statement count is compared with the full one. */
  fewTrials: number;
}

export const warmListingBudgetMs = 35;
/** A server dialect's warm listing may take at most this many times SQLite's. */
export const serverDialectWarmRatio = 2;

export const listingQuery = /* GraphQL */ `
  query Listing($studyId: Int!, $trials: Int!, $artifacts: Int!) {
    study(studyId: $studyId) {
      name
      trials(first: $trials) {
        totalCount
        edges {
          node {
            trialId
            number
            state
            values
            datetimeStart
            datetimeComplete
            params {
              name
              value
            }
            artifacts(first: $artifacts) {
              totalCount
              edges {
                node {
                  artifactId
                  filename
                  mimetype
                  encoding
                  size
                  sha256
                  createdAt
                  downloadUrl
                }
              }
            }
          }
        }
      }
    }
  }
`;

/** The same listing with only what a trial table shows: cost grows with the fields selected. */
const leanListingQuery = /* GraphQL */ `
  query LeanListing($studyId: Int!, $trials: Int!, $artifacts: Int!) {
    study(studyId: $studyId) {
      trials(first: $trials) {
        edges {
          node {
            number
            state
            artifacts(first: $artifacts) {
              edges {
                node {
                  filename
                  downloadUrl
                }
              }
            }
          }
        }
      }
    }
  }
`;

interface ListingData {
  study: { trials: { edges: { node: { artifacts: { edges: unknown[] } } }[] } };
}

/** Rows written as Optuna writes them, in one transaction (seconds, not minutes, for 1,000 trials). */
export async function buildStudyDatabase(path: string, { trials, artifactsPerTrial }: ListingOptions): Promise<number> {
  const database = openOptunaDatabase(path);
  try {
    const { studyId } = await database.studyWrites.create('bench-listing', ['MINIMIZE']);
    const { connection } = database;
    const insertTrial = connection.prepare(
      `INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, 'COMPLETE', ?, ?) RETURNING trial_id`,
    );
    const insertValue = connection.prepare(
      `INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, 'FINITE')`,
    );
    const insertParam = connection.prepare(
      `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, 'x', ?, ?)`,
    );
    const insertArtifact = connection.prepare(
      `INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)`,
    );
    const distribution =
      '{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 10.0, "log": false}}';
    const started = Date.now() - trials * 1000;
    connection.transaction(() => {
      for (let number = 0; number < trials; number += 1) {
        const start = DatetimeZone.utc.storedFromDate(new Date(started + number * 1000));
        const complete = DatetimeZone.utc.storedFromDate(new Date(started + number * 1000 + 900));
        const { trial_id: trialId } = insertTrial.get(number, studyId, start, complete) as { trial_id: number };
        insertValue.run(trialId, (number % 97) / 10);
        insertParam.run(trialId, (number % 101) / 10, distribution);
        for (let index = 0; index < artifactsPerTrial; index += 1) {
          const artifactId = randomUUID();
          const valueJson = encodeArtifactMetaValueJson({
            artifactId,
            filename: `trial-${number}-plot-${index}.png`,
            mimetype: 'image/png',
            encoding: null,
            size: 1000 + number,
            sha256: artifactId.replaceAll('-', '').padEnd(64, '0'),
            createdAt: new Date(started + number * 1000 + 500).toISOString(),
          });
          insertArtifact.run(trialId, artifactAttributeKey(artifactId), valueJson);
        }
      }
    })();
    return studyId;
  } finally {
    await database.close();
  }
}

/** Statements run by the listing query for `trials` trials, in-process on the same database. */
async function countStatements(
  databasePathOrUrl: string,
  artifactDirectory: string,
  studyId: number,
  trialCounts: number[],
  artifacts: number,
): Promise<number[]> {
  const command = parseCommandLine(
    [storageUrlOf(databasePathOrUrl), '--artifact-store', `file://${artifactDirectory}`],
    {},
  );
  if (command.kind !== 'serve') throw new Error('unexpected command');
  const services = await openAppServices(command.config);
  try {
    const graphql = createGraphQLServer(services);
    const run = async (trials: number): Promise<number> => {
      const before = services.database.statements.count;
      const response = await graphql.fetch('http://bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: listingQuery, variables: { studyId, trials, artifacts } }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (body.errors !== undefined) throw new Error(`listing query failed: ${JSON.stringify(body.errors)}`);
      return services.database.statements.count - before;
    };
    await run(1); // anything done once per process is not the query's cost
    const counts: number[] = [];
    for (const trials of trialCounts) counts.push(await run(trials));
    return counts;
  } finally {
    await services.database.close();
  }
}

interface ListingTimes {
  /** The first time this query ran on the server (the very first query after start for the first call). */
  coldMs: number;
  warmMs: number[];
  /** The server process's CPU time over the warm queries, per query. */
  serverCpuMsPerQuery: number;
  responseBytes: number;
}

/** One cold query, then `warmRepeats` more, timed from request to the last byte of the response. */
async function timeListing(
  server: ListeningChild,
  query: string,
  variables: Record<string, number>,
  options: ListingOptions,
): Promise<ListingTimes> {
  let responseBytes = 0;
  const timed = async (): Promise<number> => {
    const started = performance.now();
    const result = await postGraphQL<ListingData>(server.url, query, variables);
    const elapsed = performance.now() - started;
    const edges = result.data.study.trials.edges;
    const artifactCount = edges.reduce((sum, edge) => sum + edge.node.artifacts.edges.length, 0);
    if (edges.length !== options.trials || artifactCount !== options.trials * options.artifactsPerTrial) {
      throw new Error(`listing returned ${edges.length} trials and ${artifactCount} artifacts`);
    }
    responseBytes = result.responseBytes;
    return elapsed;
  };
  const coldMs = await timed();
  const warmMs: number[] = [];
  const cpuBefore = cpuSeconds(server.pid);
  for (let repeat = 0; repeat < options.warmRepeats; repeat += 1) warmMs.push(await timed());
  const serverCpuMsPerQuery = ((cpuSeconds(server.pid) - cpuBefore) * 1000) / options.warmRepeats;
  return { coldMs, warmMs, serverCpuMsPerQuery, responseBytes };
}

interface ListingMeasurement {
  full: ListingTimes;
  lean: ListingTimes;
  fewStatements: number;
  allStatements: number;
}

/** The listing timed over HTTP on a server process, then its statements counted in-process. */
async function measureListing(
  databasePathOrUrl: string,
  artifactDirectory: string,
  studyId: number,
  options: ListingOptions,
  label: string,
): Promise<ListingMeasurement> {
  const variables = { studyId, trials: options.trials, artifacts: options.artifactsPerTrial };
  const server = await startServerProcess({ databasePath: databasePathOrUrl, artifactDirectory });
  let full: ListingTimes;
  let lean: ListingTimes;
  try {
    full = await timeListing(server, listingQuery, variables, options);
    progress(`listing (${label}): cold ${formatMs(full.coldMs)} (${formatBytes(full.responseBytes)} of JSON)`);
    progress(
      `listing (${label}): warm median ${formatMs(median(full.warmMs))} (min ${formatMs(Math.min(...full.warmMs))}, server CPU ${formatMs(full.serverCpuMsPerQuery)} per query)`,
    );
    lean = await timeListing(server, leanListingQuery, variables, options);
    progress(
      `listing (${label}): lean selection warm median ${formatMs(median(lean.warmMs))} (server CPU ${formatMs(lean.serverCpuMsPerQuery)} per query)`,
    );
  } finally {
    await server.stop();
  }
  const [fewStatements = 0, allStatements = 0] = await countStatements(
    databasePathOrUrl,
    artifactDirectory,
    studyId,
    [options.fewTrials, options.trials],
    options.artifactsPerTrial,
  );
  progress(
    `listing (${label}): SQL statements ${fewStatements} for ${options.fewTrials} trials, ${allStatements} for ${options.trials}`,
  );
  return { full, lean, fewStatements, allStatements };
}

export async function runListingBenchmark(options: ListingOptions): Promise<ResultRow[]> {
  const { trials, artifactsPerTrial, warmRepeats, fewTrials } = options;
  const workspace = await mkdtemp(join(tmpdir(), 'bench-listing-'));
  const databasePath = join(workspace, 'optuna.db');
  const artifactDirectory = join(workspace, 'artifacts');
  try {
    progress(`listing: building a study with ${trials} trials and ${trials * artifactsPerTrial} artifacts`);
    const studyId = await buildStudyDatabase(databasePath, options);
    const sqlite = await measureListing(databasePath, artifactDirectory, studyId, options, 'sqlite');
    const { full, lean, fewStatements, allStatements } = sqlite;
    const warmMedian = median(full.warmMs);
    const benchmark = `listing ${trials} trials / ${trials * artifactsPerTrial} artifacts`;
    const rows: ResultRow[] = [
      {
        benchmark,
        measure: `cold (first query after start), ${formatBytes(full.responseBytes)} JSON`,
        value: formatMs(full.coldMs),
      },
      {
        benchmark,
        measure: `warm, median of ${warmRepeats} (min ${formatMs(Math.min(...full.warmMs))})`,
        value: formatMs(warmMedian),
        target: `< ${warmListingBudgetMs} ms`,
        met: warmMedian < warmListingBudgetMs,
      },
      { benchmark, measure: 'server CPU per warm query (user + system)', value: formatMs(full.serverCpuMsPerQuery) },
      {
        benchmark,
        measure: `lean selection (number, state, artifact filename + downloadUrl; ${formatBytes(lean.responseBytes)}), warm median`,
        value: `${formatMs(median(lean.warmMs))} (CPU ${formatMs(lean.serverCpuMsPerQuery)})`,
      },
      {
        benchmark,
        measure: `SQL statements, ${fewTrials} → ${trials} trials`,
        value: `${fewStatements} → ${allStatements}`,
        target: 'constant',
        met: fewStatements === allStatements,
      },
    ];
    const serverRows = await withServerCopies(databasePath, async ({ dialect, url }) => {
      const measured = await measureListing(url, artifactDirectory, studyId, options, dialect);
      const dialectWarm = median(measured.full.warmMs);
      const onDialect = `${benchmark} on ${dialect}`;
      return [
        { benchmark: onDialect, measure: 'cold (first query after start)', value: formatMs(measured.full.coldMs) },
        {
          benchmark: onDialect,
          measure: `warm, median of ${warmRepeats} (SQLite ${formatMs(warmMedian)})`,
          value: formatMs(dialectWarm),
          target: `≤ ${serverDialectWarmRatio}× SQLite's`,
          met: dialectWarm <= serverDialectWarmRatio * warmMedian,
        },
        {
          benchmark: onDialect,
          measure: `SQL statements, ${fewTrials} → ${trials} trials`,
          value: `${measured.fewStatements} → ${measured.allStatements}`,
          target: 'constant',
          met: measured.fewStatements === measured.allStatements,
        },
      ] satisfies ResultRow[];
    });
    return [...rows, ...serverRows.flat()];
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
