// Temporary and spool file names carry their writer's process id and host, so start-up
// clean-up can remove what a crashed (kill -9) process left at once, while files of another
// live process sharing the folder are left alone.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** `<pid>-<host hash>`: goes into the name of every temporary file this process writes. */
export function ownerTag(): string {
  return `${process.pid}-${hostTag}`;
}

const ownerTagInName = /(?:^|[.-])(\d+)-([0-9a-f]{8})(?=[.-])/;

/**
 * Whether the process that wrote a file of this name is gone. Called at start-up, before this
 * process has written anything, so a file with our own pid is a previous incarnation's (a
 * restarted container often gets the same pid). Files of other hosts are never judged here.
 */
export function isOwnerGone(name: string): boolean {
  const match = ownerTagInName.exec(name);
  if (match === null || match[2] !== hostTag) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
