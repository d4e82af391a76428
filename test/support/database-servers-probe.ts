// Whether this machine can run the PostgreSQL / MariaDB tests (*.rdb.test.ts): the servers'
// binaries from Debian's packages, and Python Optuna with both drivers (the tests read what the
// server writes with it). Asked once by vitest.config.ts; missing pieces leave those tests out
// with one line saying what to install, except under CI=true, where they are required.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const debianPackages = 'postgresql mariadb-server python3-optuna python3-psycopg2 python3-pymysql';

function postgresInstalled(): boolean {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  return versions.some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/initdb`));
}

function pythonDriversInstalled(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import optuna, psycopg2, pymysql'], { stdio: 'ignore' }).status === 0;
}

/** True when the database-server tests can run; otherwise says why once (or throws under CI). */
export function databaseServerTestsCanRun(): boolean {
  if (postgresInstalled() && existsSync('/usr/sbin/mariadbd') && pythonDriversInstalled()) return true;
  const why = `PostgreSQL / MariaDB tests (*.rdb.test.ts) need Debian's ${debianPackages}`;
  if (process.env.CI === 'true') throw new Error(`${why}; they are required under CI=true`);
  console.log(`${why}: skipped (apt-get install ${debianPackages})`);
  return false;
}
