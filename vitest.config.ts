import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { databaseServerTestsCanRun } from './test/support/database-servers-probe.js';

/** Tests that run against the private PostgreSQL and MariaDB servers. */
const databaseServerTests = 'test/**/*.rdb.test.ts';
/** Finds out once whether the Python Optuna compatibility tests can run (see the file). */
const pythonOptunaProbe = 'test/support/python-optuna-probe.ts';
/** Builds the web page served at `/` when its build is missing or stale. */
const webBuild = 'test/support/web-build.ts';

/** Tests against private PostgreSQL and MariaDB servers that the run starts once. */
const databaseServerProject: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'database-servers',
    include: [databaseServerTests],
    globalSetup: [pythonOptunaProbe, 'test/support/database-servers.ts'],
  },
};

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (the package has no "exports"), which is
    // what Yoga and Pothos get; Vite would give our sources the ES module build — a second
    // copy of graphql-js, breaking instanceof checks. Point our sources at the same file.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    // Integration tests start real servers (HTTP, s3rver, the GCS fake) and real child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two projects so that the database servers (several seconds to start) start only when
    // a run includes a test that needs them: vitest runs a project's globalSetup only then.
    // Without the servers' packages that project is left out (one line says so; CI requires it).
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, databaseServerTests],
          globalSetup: [pythonOptunaProbe, webBuild],
        },
      },
      ...(databaseServerTestsCanRun() ? [databaseServerProject] : []),
    ],
  },
});
