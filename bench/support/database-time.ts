// How long a look of the watcher spends in its database, two ways:
//   - in the database calls, as the watcher awaits them (calls timed from outside: on SQLite the
//     statements run synchronously in this process, so this IS SQLite's time, waits for a
//     writer's lock included; on a server it adds the round trips and the driver);
//   - on PostgreSQL, inside the server: planning + execution of the watcher's statements, from
//     pg_stat_statements (the server must preload it; see startPostgresServer's settings).
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { OptunaDatabase } from '../../src/db/optuna-database.js';

export interface TimedDatabase {
  /** The database to hand to the watcher: the same object, its look reads timed. */
  database: OptunaDatabase;
  /** Milliseconds spent in the timed calls since the last take. */
  take(): number;
}

/** Times the calls a look of the watcher makes (`watchArtifacts`, `artifactAttributes.inRowIdRanges`). */
export function timeWatcherReads(database: OptunaDatabase): TimedDatabase {
  let spent = 0;
  const timed =
    <Args extends unknown[], Result>(call: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        spent += performance.now() - started;
      }
    };
  const attributes = database.artifactAttributes;
  const inRowIdRanges = timed(attributes.inRowIdRanges.bind(attributes));
  const watchArtifacts = timed(database.watchArtifacts.bind(database));
  // Everything else is the database's own (methods keep their `this`).
  const timedAttributes = new Proxy(attributes, {
    get: (target, name) => (name === 'inRowIdRanges' ? inRowIdRanges : ownMember(target, name)),
  });
  const timedDatabase = new Proxy(database, {
    get: (target, name) =>
      name === 'watchArtifacts'
        ? watchArtifacts
        : name === 'artifactAttributes'
          ? timedAttributes
          : ownMember(target, name),
  });
  return {
    database: timedDatabase,
    take() {
      const taken = spent;
      spent = 0;
      return taken;
    },
  };
}

/** A member of `target`, methods bound to it. */
function ownMember(target: object, name: string | symbol): unknown {
  const value: unknown = Reflect.get(target, name);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/** PostgreSQL's settings that make `serverTimeOfStatements` possible. */
export const statementStatisticsSettings = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track_planning': 'on',
};

/**
 * Milliseconds PostgreSQL spent planning and executing, in database `databaseName`, the
 * statements whose text contains one of `markers`, since the last take. `superuser` is a
 * connected superuser client (it creates the extension's view in its database).
 */
export async function serverStatementTime(superuser: pg.Client, databaseName: string, markers: readonly string[]) {
  await superuser.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const total = async (): Promise<number> => {
    // The reading statement itself names the markers only as parameters, so it never matches.
    const result = await superuser.query<{ ms: number | null }>(
      `SELECT sum(s.total_plan_time + s.total_exec_time)::float8 AS ms
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 AND s.query LIKE ANY ($2::text[])`,
      [databaseName, markers.map((marker) => `%${marker}%`)],
    );
    return result.rows[0]?.ms ?? 0;
  };
  let last = await total();
  return {
    async take(): Promise<number> {
      const now = await total();
      const spent = now - last;
      last = now;
      return spent;
    },
  };
}
