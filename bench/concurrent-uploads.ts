// Many uploads at once (fetch + FormData, as a browser sends them) to the server process:
// every one must succeed with the right sha256, both returned and stored; total wall time.
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ListeningChild } from './support/child-process.js';
import { sha256OfFile, writeTestFile } from './support/files.js';
import { createStudy, uploadMutation, type UploadedArtifact } from './support/graphql-client.js';
import { progress } from './support/progress.js';
import type { ResultRow } from './support/results.js';
import { startRssSampler } from './support/rss-sampler.js';
import { formatBytes, formatMiB, formatRate, formatSeconds } from './support/units.js';

export interface ConcurrentUploadOptions {
  count: number;
  fileSize: number;
}

interface SourceFile {
  path: string;
  sha256: string;
}

async function uploadWithFetch(
  server: ListeningChild,
  studyId: number,
  file: SourceFile,
  index: number,
): Promise<UploadedArtifact> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: uploadMutation(studyId), variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', await openAsBlob(file.path), `concurrent-${index}.bin`);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'x-graphql-yoga-csrf': '1' },
    body: form,
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: { uploadArtifact: UploadedArtifact } | null };
  if (response.status !== 200 || !body.data)
    throw new Error(`upload ${index} failed (${response.status}): ${text.slice(0, 300)}`);
  return body.data.uploadArtifact;
}

export async function runConcurrentUploadBenchmark({ count, fileSize }: ConcurrentUploadOptions): Promise<ResultRow[]> {
  const workspace = await mkdtemp(join(tmpdir(), 'bench-concurrent-'));
  const artifactDirectory = join(workspace, 'artifacts');
  try {
    progress(`concurrent uploads: writing ${count} files of ${formatBytes(fileSize)}`);
    const files: SourceFile[] = [];
    for (let index = 0; index < count; index += 1) {
      const path = join(workspace, `source-${index}.bin`);
      files.push({ path, sha256: await writeTestFile(path, fileSize, index + 1) });
    }
    const server = await startServerProcess({ databasePath: join(workspace, 'optuna.db'), artifactDirectory });
    let outcomes: PromiseSettledResult<UploadedArtifact>[];
    let seconds: number;
    let growthBytes: number;
    try {
      const studyId = await createStudy(server.url, 'bench-concurrent');
      await uploadWithFetch(server, studyId, files[0]!, -1); // warm-up: load the upload path
      const sampler = startRssSampler(server.pid);
      const started = performance.now();
      outcomes = await Promise.allSettled(files.map((file, index) => uploadWithFetch(server, studyId, file, index)));
      seconds = (performance.now() - started) / 1000;
      growthBytes = sampler.stop().growthBytes;
    } finally {
      await server.stop();
    }

    let succeeded = 0;
    let verified = 0;
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') {
        progress(`concurrent uploads: ${String(outcome.reason)}`);
        continue;
      }
      succeeded += 1;
      const expected = files[index]!.sha256;
      const stored = await sha256OfFile(join(artifactDirectory, outcome.value.artifactId));
      if (outcome.value.sha256 === expected && stored === expected) verified += 1;
    }
    progress(`concurrent uploads: ${succeeded}/${count} succeeded, ${verified} verified, ${formatSeconds(seconds)}`);

    const benchmark = `${count} concurrent uploads of ${formatBytes(fileSize)}`;
    return [
      { benchmark, measure: 'succeeded', value: `${succeeded}/${count}`, target: 'all', met: succeeded === count },
      {
        benchmark,
        measure: 'sha256 returned and stored = source',
        value: `${verified}/${count}`,
        target: 'all',
        met: verified === count,
      },
      {
        benchmark,
        measure: 'total time (all requests)',
        value: `${formatSeconds(seconds)} (${formatRate((count * fileSize) / seconds)})`,
      },
      { benchmark, measure: 'server peak RSS growth', value: formatMiB(growthBytes) },
    ];
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
