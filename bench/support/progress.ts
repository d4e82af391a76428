// Progress lines on stderr while the benchmarks run (stdout carries only the results table).
const startedAt = performance.now();

export function progress(message: string): void {
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  process.stderr.write(`[${elapsedSeconds.toFixed(1).padStart(6)} s] ${message}\n`);
}
