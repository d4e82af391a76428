// The results of a run: one row per measure, a Markdown table, a met / not met line per
// target, and the section appended to BENCHMARKS.md.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';

export interface ResultRow {
  benchmark: string;
  measure: string;
  value: string;
  /** e.g. "≥ 0.8"; rows with a target get a met / not met line. */
  target?: string;
  met?: boolean;
}

export function markdownTable(rows: readonly ResultRow[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = [
    '| benchmark | measure | result | target |',
    '|---|---|---:|---|',
    ...rows.map((row) => {
      const target = row.target === undefined ? '' : `${row.target} ${row.met ? '✅' : '❌'}`;
      return `| ${cell(row.benchmark)} | ${cell(row.measure)} | ${cell(row.value)} | ${cell(target)} |`;
    }),
  ];
  return lines.join('\n');
}

export function targetLines(rows: readonly ResultRow[]): string[] {
  return rows
    .filter((row) => row.target !== undefined)
    .map(
      (row) => `- ${row.benchmark}, ${row.measure} ${row.target}: **${row.met ? 'met' : 'not met'}** (${row.value})`,
    );
}

export interface MachineDescription {
  node: string;
  cpuCount: number;
  cpuModel: string;
}

export async function describeMachine(): Promise<MachineDescription> {
  let cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: os.cpus() is good enough.
  }
  return { node: process.version, cpuCount: cpus().length, cpuModel };
}

const introduction = `# Benchmarks

\`npm run bench\` (a few minutes) or \`npm run bench -- --quick\` (smaller sizes, well under
2 minutes) runs the scripts in \`bench/\`, prints progress on stderr and a results table on
stdout, and appends the table to this file with the date, Node version and CPU. It exits 1
when a target is missed. \`--only transfer,listing,concurrent,fanout,s3\` runs a part;
\`--no-record\` leaves this file alone; \`bench/run.ts\` lists the size flags.

What is measured:

- **Upload**: a 1 GiB file sent with \`curl -F operations=… -F map=… -F 0=@big.bin\` (the
  GraphQL multipart request spec's own form) to the real CLI running as a child process with
  the FileSystem store. The stored file's sha256 is checked against the source. The server's
  memory is read from \`/proc/<pid>/status\`: VmRSS every 50 ms, and VmHWM, the kernel's
  high-water mark, reset before each transfer. CPU time (user + system, all threads) comes
  from \`/proc/<pid>/stat\`.
- **Download**: the same file from \`GET /artifacts/{id}\`, with curl.
- **Listing**: one study with 1,000 trials and 2,000 artifacts (rows written as Optuna writes
  them); one GraphQL query listing every trial (values, params, dates) with its artifacts
  (every field), over HTTP: cold (first query after start) and warm (median of 20); the same
  with a lean selection; and the number of SQL statements for 10 and for 1,000 trials,
  counted in-process (it must not grow).
- **Concurrent uploads**: 50 uploads of 10 MiB at once (fetch + FormData, as a browser sends
  them); all must succeed with the right sha256, both returned and stored.
- **Subscription fan-out** (\`bench/fanout.ts\`): 1,000 SSE + 1,000 WebSocket subscribers,
  one upload, delivery latency. **S3 write** (\`bench/s3-write.ts\`): 1 GiB through Backoff
  to s3rver, the writer's peak memory.

**Why ratios.** Absolute MiB/s depend on the machine and on whatever else runs on it (these
are 2-core machines shared with test runs). Upload and download are therefore compared with a
bare node:http server (\`bench/baseline-server.ts\`: \`pipeline(req, fs.createWriteStream)\`
and \`pipeline(fs.createReadStream, res)\` with the server's 1 MiB read size) measured in
the same run, alternating baseline and server, the best of each side taken (interference only
ever slows a run down). The ratio is what the server costs over plain Node on the same machine
at the same moment. "Bare Node + fsync" is shown beside it because the store flushes every
artifact to disk before answering and a bare write does not; the CPU times show the cost
without the noise of other processes' load.
`;

/** Appends the run's section to BENCHMARKS.md, creating the file with its introduction. */
export async function recordInBenchmarksFile(path: string, heading: string, body: string): Promise<void> {
  const exists = await readFile(path, 'utf8').then(
    () => true,
    () => false,
  );
  if (!exists) await writeFile(path, introduction);
  await appendFile(path, `\n## ${heading}\n\n${body}\n`);
}
