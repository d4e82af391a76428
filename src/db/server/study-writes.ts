// Creating a study on a server database as Optuna's `create_new_study` does: one `studies` row
// and one `study_directions` row per objective, in one short write transaction.
import { sql } from 'drizzle-orm';
import type { StudyDirection } from '../../optuna/enums.js';
import { StudyNameTakenError } from '../database-errors.js';
import type { StudyWrites } from '../optuna-database.js';
import type { StudyRecord } from '../study-queries.js';
import type { ServerWriteTransaction } from './server-reads.js';

export class ServerStudyWrites implements StudyWrites {
  constructor(private readonly transaction: ServerWriteTransaction) {}

  create(name: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    return this.transaction(async (db) => {
      // A concurrent creator of the same name makes the INSERT fail on the unique index instead.
      if (await db.get(sql`SELECT 1 AS found FROM studies WHERE study_name = ${name}`)) {
        throw new StudyNameTakenError(name);
      }
      const studyId = await db.insert(sql`INSERT INTO studies (study_name) VALUES (${name})`, 'study_id');
      for (const [objective, direction] of directions.entries()) {
        await db.run(
          sql`INSERT INTO study_directions (direction, study_id, objective) VALUES (${direction}, ${studyId}, ${objective})`,
        );
      }
      return { studyId, name, directions: [...directions] };
    });
  }
}
