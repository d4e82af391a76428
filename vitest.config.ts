import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (the package has no "exports"), which is
    // what Yoga and Pothos get; Vite would give our sources the ES module build — a second
    // copy of graphql-js, breaking instanceof checks. Point our sources at the same file.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Finds out once whether the Python Optuna compatibility tests can run (see the file).
    globalSetup: ['test/support/python-optuna-probe.ts'],
    // Integration tests start real servers (HTTP, s3rver, the GCS fake) and real child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
