// CPU time and page faults of another process (all its threads), from /proc/<pid>/stat.
// CPU time changes less than wall time when other work competes for the cores; minor faults
// show a process touching fresh memory (buffers allocated instead of reused).
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ; 100 on Linux). */
const ticksPerSecond = 100;

export interface ProcessCounters {
  /** user + system */
  cpuSeconds: number;
  minorFaults: number;
}

export function processCounters(pid: number): ProcessCounters {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces;
  // fields[0] is field 3 (state) of proc(5).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    minorFaults: Number(fields[7]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
  };
}

export const cpuSeconds = (pid: number): number => processCounters(pid).cpuSeconds;
