// Creating a study on a server database as Optuna's `create_new_study` does: one `studies` row
// and one `study_directions` row per objective, in one short write transaction.
import { sql } from 'drizzle-orm';
import type { StudyDirection } from '../../optuna/enums.js';
import { StudyNameTakenError } from '../database-errors.js';
import type { StudyWrites } from '../optuna-database.js';
import type { StudyRecord } from '../queries/study-queries.js';
import type { ServerWriteTransaction } from './server-reads.js';
import type { ServerSql } from './server-sql.js';

export class ServerStudyWrites implements StudyWrites {
  constructor(private readonly transaction: ServerWriteTransaction) {}

  async create(name: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    try {
      return await this.insert(name, directions);
    } catch (error) {
      // A concurrent creator of the same name committed first: our INSERT failed on the unique
      // index (each dialect words that differently), and the name is now there to see.
      if (!(error instanceof StudyNameTakenError) && (await this.nameTaken(name))) throw new StudyNameTakenError(name);
      throw error;
    }
  }

  private nameTaken(name: string): Promise<boolean> {
    return this.transaction((db) => nameTakenIn(db, name));
  }

  private insert(name: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    return this.transaction(async (db) => {
      if (await nameTakenIn(db, name)) throw new StudyNameTakenError(name);
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

async function nameTakenIn(db: ServerSql, name: string): Promise<boolean> {
  return (await db.get(sql`SELECT 1 AS found FROM studies WHERE study_name = ${name}`)) !== undefined;
}
