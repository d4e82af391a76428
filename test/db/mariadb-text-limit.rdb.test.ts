// MariaDB's TEXT holds 65,535 bytes (utf8mb4 counts bytes, not characters): a metadata value
// that does not fit is refused before any statement runs, so nothing of the batch is written
// (a server without strict mode would otherwise store it cut short).
import { expect, test } from 'vitest';
import { parseStorageUrl } from '../../src/config/storage-url.js';
import { ValueTooLargeError } from '../../src/db/database-errors.js';
import { openDatabase } from '../../src/db/open-database.js';
import { withConnection } from '../support/database-connection.js';
import { createMariadbDatabase } from '../support/mariadb-server.js';
import { silentLogger } from '../support/recording-logger.js';

test('a metadata value over TEXT’s 65,535 bytes is refused before anything is written', async () => {
  const url = await createMariadbDatabase('compat_large');
  const database = await openDatabase(parseStorageUrl(url), { logger: silentLogger });
  try {
    const study = await database.studyWrites.create('large', ['MINIMIZE']);
    const statementsBefore = database.statements.count;
    // 21,846 three-byte characters: 65,538 bytes, though fewer than 65,535 characters.
    const valueJson = JSON.stringify('あ'.repeat(21_846));
    await expect(
      database.artifactAttributeWrites.insertAll(
        { kind: 'study', studyId: study.studyId },
        [
          { artifactId: 'small', valueJson: '"{}"' },
          { artifactId: 'large', valueJson },
        ],
        { allowFinishedTrial: false },
      ),
    ).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(database.statements.count).toBe(statementsBefore);
    const rows = await withConnection(url, (connection) =>
      connection.query('SELECT study_system_attribute_id FROM study_system_attributes'),
    );
    expect(rows).toEqual([]);
    // Just under the limit is stored whole.
    const fitting = JSON.stringify('あ'.repeat(21_844));
    const [row] = await database.artifactAttributeWrites.insertAll(
      { kind: 'study', studyId: study.studyId },
      [{ artifactId: 'fits', valueJson: fitting }],
      { allowFinishedTrial: false },
    );
    expect((await database.artifactAttributes.byArtifactIds(['fits']))[0]).toEqual(row);
    expect(Buffer.byteLength(row!.valueJson!)).toBe(65_534);
  } finally {
    await database.close();
  }
});
