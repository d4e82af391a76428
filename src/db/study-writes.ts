// Creating a study on SQLite exactly as Optuna's `create_new_study` does: one `studies` row and
// one `study_directions` row per objective, in one short write transaction.
import { sql } from 'drizzle-orm';
import { StudyNameTakenError } from './database-errors.js';
import type { StudyDirection } from '../optuna/enums.js';
import type { StudyWrites } from './optuna-database.js';
import type { ImmediateTransaction } from './sql-executor.js';
import type { StudyRecord } from './queries/study-queries.js';

export class SqliteStudyWrites implements StudyWrites {
  constructor(private readonly transaction: ImmediateTransaction) {}

  create(name: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    return this.transaction((db) => {
      const existing = db.get(sql`SELECT 1 FROM studies WHERE study_name = ${name}`);
      if (existing) throw new StudyNameTakenError(name);
      const inserted = db.get<{ study_id: number }>(
        sql`INSERT INTO studies (study_name) VALUES (${name}) RETURNING study_id`,
      );
      if (!inserted) throw new Error('INSERT INTO studies returned no row');
      directions.forEach((direction, objective) => {
        db.run(
          sql`INSERT INTO study_directions (direction, study_id, objective)
            VALUES (${direction}, ${inserted.study_id}, ${objective})`,
        );
      });
      return { studyId: inserted.study_id, name, directions: [...directions] };
    });
  }
}
