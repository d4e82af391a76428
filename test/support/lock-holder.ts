// Another process holding SQLite's lock on a database file: a child `node` with better-sqlite3
// takes the lock, says so on stdout, and commits when told to on stdin. Nothing here waits on
// time: the caller holds the lock exactly as long as it needs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const holderScript = `
const Database = require('better-sqlite3');
const [path, mode] = process.argv.slice(1);
const connection = new Database(path);
connection.exec('BEGIN ' + mode);
console.log('locked');
const release = () => {
  connection.exec('COMMIT');
  connection.close();
  process.exit(0);
};
process.stdin.once('data', release);
process.stdin.once('end', release);
`;

export interface HeldLock {
  /** The holder's process id. */
  pid: number;
  /** Commits and waits for the holder to exit. */
  release(): Promise<void>;
}

/**
 * Takes the lock in another process and resolves once it is held. EXCLUSIVE (the default) keeps
 * even readers out in Optuna's rollback-journal mode; IMMEDIATE only other writers.
 */
export async function holdDatabaseLock(
  databasePath: string,
  mode: 'EXCLUSIVE' | 'IMMEDIATE' = 'EXCLUSIVE',
): Promise<HeldLock> {
  const child = spawn(process.execPath, ['-e', holderScript, databasePath, mode], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'locked') resolve();
    });
    void exited.then(([code, signal]) =>
      reject(new Error(`the lock holder exited (${code ?? signal}) before taking the lock`)),
    );
  });
  let released: Promise<void> | undefined;
  return {
    pid: child.pid!,
    release() {
      released ??= (async () => {
        child.stdin!.end('commit\n');
        const [code, signal] = await exited;
        if (code !== 0) throw new Error(`the lock holder exited with ${code ?? signal}`);
      })();
      return released;
    },
  };
}
