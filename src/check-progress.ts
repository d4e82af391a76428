// The `check` command's progress on stderr: a redrawn bar in a terminal; in a log (CI, a pipe)
// silence on small stores and a plain line every 10,000 objects on large ones.
import type { ConsistencyPhase, ConsistencyProgress } from './artifacts/consistency-check.js';

/** The part of a stream the reporter uses (process.stderr in the CLI). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressReporter {
  update(progress: ConsistencyProgress): void;
  /** Clears the bar, so the report that follows starts on a clean line. Safe to call twice. */
  finish(): void;
}

export interface ProgressReporterOptions {
  /** Milliseconds clock. @default Date.now */
  now?: () => number;
  /** @default 30 */
  barWidth?: number;
}

const units: Record<ConsistencyPhase, string> = {
  metadata: 'metadata rows',
  store: 'objects',
  age: 'unnamed objects',
  fix: 'removals',
};
const plainLineWords: Partial<Record<ConsistencyPhase, string>> = { store: 'listed', age: 'dated', fix: 'attempted' };
/** One plain line per this many objects when stderr is not a terminal. */
export const plainLineEvery = 10_000;
// Redrawing on every object would cost more than listing it; ten frames a second look live.
const redrawIntervalMs = 100;

export function createProgressReporter(
  stream: ProgressStream,
  options: ProgressReporterOptions = {},
): ProgressReporter {
  return stream.isTTY ? terminalReporter(stream, options) : plainReporter(stream);
}

function terminalReporter(stream: ProgressStream, options: ProgressReporterOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const width = options.barWidth ?? 30;
  let lastPhase: ConsistencyPhase | null = null;
  let lastDrawAt = -Infinity;
  return {
    update({ phase, done, total }) {
      const atEnd = total !== undefined && done === total;
      if (phase === lastPhase && !atEnd && now() - lastDrawAt < redrawIntervalMs) return;
      lastPhase = phase;
      lastDrawAt = now();
      // The store's total is an estimate (see ConsistencyProgress): never draw past a full bar.
      const shownTotal = Math.max(total ?? done, done);
      const filled = shownTotal === 0 ? width : Math.floor((done / shownTotal) * width);
      // \x1b[K clears what a longer earlier frame left on the line.
      stream.write(
        `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${shownTotal} ${units[phase]}\x1b[K`,
      );
    },
    finish() {
      if (lastPhase !== null) stream.write('\r\x1b[K');
      lastPhase = null;
    },
  };
}

function plainReporter(stream: ProgressStream): ProgressReporter {
  return {
    update({ phase, done, total }) {
      const word = plainLineWords[phase];
      if (word === undefined || done === 0 || done % plainLineEvery !== 0) return;
      stream.write(`${word} ${done}${total === undefined || phase === 'store' ? '' : `/${total}`} ${units[phase]}\n`);
    },
    finish() {},
  };
}
