// Peak resident memory of another process (a server under test), read from /proc: VmRSS
// sampled on an interval, and VmHWM — the kernel's own high-water mark, reset at the start so
// a spike between two samples is not missed.
import { readFileSync, writeFileSync } from 'node:fs';
import { KiB } from './units.js';

export interface RssMeasurement {
  /** VmRSS when sampling started. */
  baselineBytes: number;
  /** Highest VmRSS seen (sampled or the kernel's high-water mark). */
  peakBytes: number;
  /** peak − baseline. */
  growthBytes: number;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * KiB;
}

export const residentBytes = (pid: number): number => statusField(pid, 'VmRSS');

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0; our own child only). */
function resetHighWaterMark(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssSampler {
  stop(): RssMeasurement;
}

export function startRssSampler(pid: number, intervalMs = 50): RssSampler {
  const highWaterMarkReset = resetHighWaterMark(pid);
  const baselineBytes = residentBytes(pid);
  let peakBytes = baselineBytes;
  const sample = () => {
    try {
      peakBytes = Math.max(peakBytes, residentBytes(pid));
    } catch {
      // The process ended; the caller notices that on its own.
    }
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      if (highWaterMarkReset) peakBytes = Math.max(peakBytes, statusField(pid, 'VmHWM'));
      return { baselineBytes, peakBytes, growthBytes: peakBytes - baselineBytes };
    },
  };
}
