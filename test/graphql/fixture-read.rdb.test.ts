// The full read API over the real-Optuna fixture, loaded into PostgreSQL and MariaDB, matches
// MANIFEST.json exactly as on SQLite (fixture-read.test.ts): same suite, same answers.
import { serverDialects } from '../support/dialects.js';
import { describeFixtureRead } from './fixture-read-suite.js';

for (const dialect of serverDialects) describeFixtureRead(dialect);
