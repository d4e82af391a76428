// Byte sizes, rates and summaries as the benchmarks print them.
import { parseByteSize } from '../../src/config/byte-size.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export { parseByteSize };

/** `1.0 GiB`, `256 MiB`, `64 KiB`: the unit that keeps the number readable. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= GiB) return `${trim(bytes / GiB)} GiB`;
  if (Math.abs(bytes) >= MiB) return `${trim(bytes / MiB)} MiB`;
  if (Math.abs(bytes) >= KiB) return `${trim(bytes / KiB)} KiB`;
  return `${bytes} B`;
}

export const formatMiB = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
export const formatRate = (bytesPerSecond: number): string => `${(bytesPerSecond / MiB).toFixed(0)} MiB/s`;
export const formatMs = (milliseconds: number): string => `${milliseconds.toFixed(1)} ms`;
export const formatSeconds = (seconds: number): string => `${seconds.toFixed(2)} s`;

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `fraction` of the values lie (nearest rank): 0.99 → p99. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
