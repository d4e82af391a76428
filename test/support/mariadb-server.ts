// A private MariaDB server for the tests (mariadb-install-db + mariadbd on a temp folder,
// 127.0.0.1, a free port), started once per run by database-servers.ts; each test file
// makes its own databases with createMariadbDatabase.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import {
  freePort,
  requireExecutable,
  runsAsRoot,
  runToCompletion,
  startDaemon,
  withParentDeathSignal,
} from './database-daemon.js';
import { databaseUser, sqlalchemyUrl } from './database-user.js';

/** What test files need to reach the server (handed over by vitest's provide/inject). */
export interface MariadbServerAddress {
  port: number;
  /** `root` connects over this Unix socket, without a password. */
  socketPath: string;
}

export interface RunningMariadbServer {
  address: MariadbServerAddress;
  /** The process id of the daemon running now. */
  readonly pid: number;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
  /** Stops the daemon cleanly, keeping the data folder (an outage); `resume` starts it again. */
  pause(): Promise<void>;
  /** Starts the daemon again on the same data folder, port and socket. */
  resume(): Promise<void>;
}

const installDb = '/usr/bin/mariadb-install-db';
const serverBinary = '/usr/sbin/mariadbd';

const rootConnection = (address: MariadbServerAddress): Promise<mysql.Connection> =>
  mysql.createConnection({ socketPath: address.socketPath, user: 'root' });

async function canConnect(address: MariadbServerAddress): Promise<boolean> {
  try {
    const connection = await rootConnection(address);
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

export async function startMariadbServer(): Promise<RunningMariadbServer> {
  requireExecutable(installDb, 'mariadb-server');
  requireExecutable(serverBinary, 'mariadb-server');
  const directory = mkdtempSync(join(tmpdir(), 'optuna-mariadb-'));
  const dataDirectory = join(directory, 'data');
  const address: MariadbServerAddress = { port: await freePort(), socketPath: join(directory, 'mariadbd.sock') };
  // --user: mariadbd refuses to run as root unless told to.
  const asCurrentUser = runsAsRoot ? ['--user=root'] : [];
  // A throw-away server: durability only costs time here.
  const fastInnodb = ['--innodb-flush-method=nosync', '--innodb-flush-log-at-trx-commit=0'];

  await runToCompletion(
    [
      installDb,
      '--no-defaults',
      `--datadir=${dataDirectory}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...asCurrentUser,
      ...fastInnodb,
    ],
    join(directory, 'install.log'),
  );
  const startServer = () =>
    startDaemon(
      withParentDeathSignal([
        serverBinary,
        '--no-defaults',
        `--datadir=${dataDirectory}`,
        `--port=${address.port}`,
        `--socket=${address.socketPath}`,
        `--pid-file=${join(directory, 'mariadbd.pid')}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        ...asCurrentUser,
        ...fastInnodb,
        // Debian's packaged server configuration (50-server.cnf), which Optuna users run with:
        // new databases and Optuna's tables take this charset and collation.
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_general_ci',
      ]),
      join(directory, 'server.log'),
      'MariaDB',
      () => canConnect(address),
    );
  let daemon = await startServer();

  const connection = await rootConnection(address);
  try {
    await connection.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [databaseUser.name, databaseUser.password]);
  } finally {
    await connection.end();
  }
  return {
    address,
    get pid() {
      return daemon.pid;
    },
    async stop() {
      await daemon.stop('SIGTERM'); // mariadbd's clean shutdown
      rmSync(directory, { recursive: true, force: true });
    },
    pause: () => daemon.stop('SIGTERM'),
    async resume() {
      daemon = await startServer();
    },
  };
}

/**
 * A new empty database the test user may use fully; returns the URL Python users write for it
 * (`mysql+pymysql://optuna_test:p%40ss%2Fw%3Ard%25@127.0.0.1:PORT/NAME_xxxx?charset=utf8mb4`).
 * `name` is a prefix: test files run in parallel on one server. `address`: a server of the
 * test's own (startMariadbServer), else the run's shared one.
 */
export async function createMariadbDatabase(
  name: string,
  address: MariadbServerAddress = inject('mariadbServer'),
): Promise<string> {
  const database = `${name}_${randomBytes(4).toString('hex')}`;
  const connection = await rootConnection(address);
  try {
    await connection.query(`CREATE DATABASE ${connection.escapeId(database)}`);
    await connection.query(`GRANT ALL ON ${connection.escapeId(database)}.* TO ?@'127.0.0.1'`, [databaseUser.name]);
  } finally {
    await connection.end();
  }
  return sqlalchemyUrl('mysql+pymysql', address.port, database, '?charset=utf8mb4');
}
