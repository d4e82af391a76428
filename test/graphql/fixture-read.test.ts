// Done-when 2 on SQLite: the full read API over the real-Optuna fixture matches MANIFEST.json
// (the suite itself: fixture-read-suite.ts; PostgreSQL and MariaDB: fixture-read.rdb.test.ts).
import { describeFixtureRead } from './fixture-read-suite.js';

describeFixtureRead('sqlite');
