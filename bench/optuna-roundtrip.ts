// The spec's curl upload of one big file to the server on each store — the FileSystem store
// and S3 (s3rver) — then Optuna's own code lists the artifact (get_all_artifact_meta) and reads
// its bytes (FileSystemArtifactStore / Boto3ArtifactStore), which must be sha256-identical.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listArtifactsWithOptuna } from '../test/support/python-optuna.js';
import { readWithOptunaBoto3Store, readWithOptunaFileSystemStore } from '../test/support/python-optuna-store.js';
import { s3rverCredentials, startS3rver } from '../test/support/s3rver.js';
import { startListeningChild, type ListeningChild } from './support/child-process.js';
import { curl, graphqlUploadArguments } from './support/curl.js';
import { sha256OfFile, writeTestFile } from './support/files.js';
import { createStudy, uploadMutation, type UploadedArtifact } from './support/graphql-client.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { startRssSampler } from './support/rss-sampler.js';
import { formatBytes, formatMiB, formatRate, MiB } from './support/units.js';

export interface OptunaRoundTripSettings {
  fileSize: number;
}

/**
 * The upload issue's bound for the FileSystem store; S3 adds lib-storage's part buffers
 * (8 MiB parts, two in flight, plus the SDK), within the S3 adapter's 128 MiB budget.
 */
const rssBudgets = { FileSystem: 64 * MiB, 'S3 (s3rver)': 128 * MiB } as const;

export async function runOptunaRoundTripBenchmark(settings: OptunaRoundTripSettings): Promise<ResultRow[]> {
  const directory = await mkdtemp(join(tmpdir(), 'oag-bench-roundtrip-'));
  const s3 = await startS3rver();
  const source = join(directory, 'big.bin');
  try {
    progress(`writing a ${formatBytes(settings.fileSize)} source file`);
    await writeTestFile(source, settings.fileSize, 7);
    const sourceSha256 = await sha256OfFile(source);
    const benchmark = `curl upload ${formatBytes(settings.fileSize)}, read by Optuna`;
    const rows: ResultRow[] = [];
    const stores: Array<{ name: keyof typeof rssBudgets; args: string[] }> = [
      { name: 'FileSystem', args: ['--artifact-store', `file://${join(directory, 'artifacts')}`] },
      {
        name: 'S3 (s3rver)',
        args: ['--artifact-store', `s3://${s3.bucket}`, '--s3-endpoint', s3.endpoint, '--s3-force-path-style'],
      },
    ];
    for (const store of stores) {
      const databasePath = join(directory, `${store.name.split(' ')[0]!.toLowerCase()}.db`);
      const server = await startServer(databasePath, store.args);
      try {
        const studyId = await createStudy(server.url, 'roundtrip');
        progress(`uploading to the ${store.name} store with curl -F`);
        const sampler = startRssSampler(server.pid);
        const transfer = await curl(graphqlUploadArguments(`${server.url}/graphql`, uploadMutation(studyId), source));
        const rss = sampler.stop();
        const uploaded = (JSON.parse(transfer.body) as { data: { uploadArtifact: UploadedArtifact } }).data
          .uploadArtifact;
        const listed = await listArtifactsWithOptuna(databasePath, { studyId });
        const listedByOptuna =
          Array.isArray(listed) &&
          listed.some((meta) => meta.artifact_id === uploaded.artifactId && meta.filename === 'big.bin');
        const read =
          store.name === 'FileSystem'
            ? await readWithOptunaFileSystemStore(join(directory, 'artifacts'), uploaded.artifactId)
            : await readWithOptunaBoto3Store(s3.endpoint, s3.bucket, uploaded.artifactId);
        const identical = read.sha256 === sourceSha256 && read.size === settings.fileSize;
        rows.push(
          {
            benchmark,
            measure: `${store.name}: upload time`,
            value: `${transfer.seconds.toFixed(2)} s (${formatRate(settings.fileSize / transfer.seconds)})`,
          },
          {
            benchmark,
            measure: `${store.name}: server peak RSS growth`,
            value: formatMiB(rss.growthBytes),
            target: `≤ ${rssBudgets[store.name] / MiB} MiB`,
            met: rss.growthBytes <= rssBudgets[store.name],
          },
          {
            benchmark,
            measure: `${store.name}: Optuna's get_all_artifact_meta lists it`,
            value: listedByOptuna ? 'listed' : JSON.stringify(listed),
            target: 'listed',
            met: listedByOptuna,
          },
          {
            benchmark,
            measure: `${store.name}: Optuna's store reads sha256 = source`,
            value: identical ? 'identical' : `differs (${read.sha256})`,
            target: 'identical',
            met: identical,
          },
        );
      } finally {
        await server.stop();
      }
    }
    return rows;
  } finally {
    await s3.close();
    await rm(directory, { recursive: true, force: true });
  }
}

function startServer(databasePath: string, storeArgs: string[]): Promise<ListeningChild> {
  // The AWS SDK's default credential chain reads these (s3rver accepts any signature).
  process.env.AWS_ACCESS_KEY_ID ??= s3rverCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= s3rverCredentials.secretAccessKey;
  return startListeningChild(
    'src/main.ts',
    [`sqlite:///${databasePath}`, ...storeArgs, '--port', '0', '--max-file-size', '4GiB'],
    /"url":"(http:\/\/[^"]+)\/graphql"/,
  );
}
