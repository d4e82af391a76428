// A private PostgreSQL server for the tests (initdb + postgres on a temp folder, 127.0.0.1,
// a free port), started once per run by database-servers.ts; each test file makes its own
// databases with createPostgresDatabase.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import {
  freePort,
  requireExecutable,
  runsAsRoot,
  runToCompletion,
  startDaemon,
  type Daemon,
  withParentDeathSignal,
} from './database-daemon.js';
import { databaseUser, sqlalchemyUrl } from './database-user.js';

/** What test files need to reach the server (handed over by vitest's provide/inject). */
export interface PostgresServerAddress {
  port: number;
  /** The superuser connects over the Unix socket in this folder (trust, no password). */
  socketDirectory: string;
  superuser: string;
}

export interface RunningPostgresServer {
  address: PostgresServerAddress;
  pid: number;
  /** Stops the server for good and removes its data folder. */
  stop(): Promise<void>;
  /** Stops the server ("fast" shutdown: open connections are cut), keeping its data (an outage). */
  pause(): Promise<void>;
  /** Starts the paused server again on the same data folder and port. */
  resume(): Promise<void>;
}

/** Debian's layout: /usr/lib/postgresql/<major>/bin; the newest major installed. */
function postgresBinaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  const binaries = join(root, newest ?? '15', 'bin');
  for (const name of ['initdb', 'postgres']) requireExecutable(join(binaries, name), 'postgresql');
  return binaries;
}

/** A connection as the superuser (over the Unix socket), not yet connected. */
export const superuserConnection = (address: PostgresServerAddress, database = 'postgres'): pg.Client =>
  new pg.Client({ host: address.socketDirectory, port: address.port, user: address.superuser, database });

async function canConnect(address: PostgresServerAddress): Promise<boolean> {
  const client = superuserConnection(address);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PostgresServerOptions {
  /** More `-c name=value` settings, e.g. `shared_preload_libraries` for a benchmark. */
  settings?: Record<string, string>;
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<RunningPostgresServer> {
  const binaries = postgresBinaries();
  const directory = mkdtempSync(join(tmpdir(), 'optuna-postgres-'));
  // PostgreSQL refuses to run as root: the folder and the server belong to `postgres` then.
  const systemUser = runsAsRoot ? 'postgres' : undefined;
  const logPath = join(directory, 'server.log');
  if (systemUser !== undefined) await runToCompletion(['chown', `${systemUser}:`, directory], logPath);
  const dataDirectory = join(directory, 'data');
  const address: PostgresServerAddress = { port: await freePort(), socketDirectory: directory, superuser: 'postgres' };

  const asServerUser = (command: string[]) => withParentDeathSignal(command, systemUser);
  await runToCompletion(
    asServerUser([
      join(binaries, 'initdb'),
      '-D',
      dataDirectory,
      '-U',
      address.superuser,
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
    ]),
    join(directory, 'initdb.log'),
  );
  const launch = () =>
    startDaemon(
      asServerUser([
        join(binaries, 'postgres'),
        '-D',
        dataDirectory,
        '-p',
        String(address.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${directory}`,
        // A throw-away cluster: durability only costs time here.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ]),
      logPath,
      'PostgreSQL',
      () => canConnect(address),
    );
  let daemon: Daemon | null = await launch();

  const client = superuserConnection(address);
  await client.connect();
  try {
    await client.query(
      `CREATE ROLE ${databaseUser.name} LOGIN PASSWORD ${client.escapeLiteral(databaseUser.password)}`,
    );
  } finally {
    await client.end();
  }
  const pid = daemon.pid;
  const pause = async () => {
    await daemon?.stop('SIGINT'); // PostgreSQL's "fast" shutdown
    daemon = null;
  };
  return {
    address,
    pid,
    async stop() {
      await pause();
      rmSync(directory, { recursive: true, force: true });
    },
    pause,
    async resume() {
      daemon ??= await launch();
    },
  };
}

/**
 * A new empty database owned by the test user; returns the URL Python users write for it
 * (`postgresql+psycopg2://optuna_test:p%40ss%2Fw%3Ard%25@127.0.0.1:PORT/NAME_xxxx`).
 * `name` is a prefix: test files run in parallel on one server. `address`: another server than the run's.
 */
export async function createPostgresDatabase(
  name: string,
  address: PostgresServerAddress = inject('postgresServer'),
): Promise<string> {
  const database = `${name}_${randomBytes(4).toString('hex')}`;
  const client = superuserConnection(address);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${databaseUser.name}`);
  } finally {
    await client.end();
  }
  return sqlalchemyUrl('postgresql+psycopg2', address.port, database);
}
