// bench/s3-write.ts (S3 write of a big file through Backoff to s3rver, the writer's peak
// memory) run as a child process — its own RSS is what it measures — read into result rows.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from './child-process.js';
import type { ResultRow } from './results.js';

const execFileAsync = promisify(execFile);

export async function runS3WriteBenchmark(quick: boolean): Promise<ResultRow[]> {
  const args = ['--import', 'tsx', 'bench/s3-write.ts', ...(quick ? ['--quick'] : [])];
  // The script exits 1 when over its own budget; its summary is still on stdout.
  const stdout = await execFileAsync(process.execPath, args, { cwd: projectRoot }).then(
    (result) => result.stdout,
    (error: { stdout?: string; message: string }) => {
      if (!error.stdout?.includes('peak RSS growth')) throw new Error(`bench/s3-write.ts failed: ${error.message}`);
      return error.stdout;
    },
  );
  const title = /^S3 write of ([\d.]+) MiB/m.exec(stdout);
  const time = /time:\s+([\d.]+ s) \(([\d.]+) MiB\/s\)/.exec(stdout);
  const growth = /peak RSS growth:\s+([\d.]+) MiB \(budget ([\d.]+) MiB\)/.exec(stdout);
  const readBack = /read back:\s+(.+)$/m.exec(stdout);
  if (!title || !time || !growth || !readBack) throw new Error(`unexpected output of bench/s3-write.ts:\n${stdout}`);
  const benchmark = `S3 write ${Number(title[1]) >= 1024 ? `${Number(title[1]) / 1024} GiB` : `${title[1]} MiB`} (Backoff → s3rver)`;
  const growthMiB = Number(growth[1]);
  return [
    { benchmark, measure: 'time', value: `${time[1]} (${time[2]} MiB/s)` },
    {
      benchmark,
      measure: "writer's peak RSS growth",
      value: `${growthMiB.toFixed(1)} MiB`,
      target: `< ${Number(growth[2])} MiB`,
      met: growthMiB < Number(growth[2]),
    },
    {
      benchmark,
      measure: 'read back',
      value: readBack[1]!,
      target: 'sha256 identical',
      met: readBack[1] === 'sha256 identical',
    },
  ];
}
