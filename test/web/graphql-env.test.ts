// web/src/graphql-env.d.ts types the page's GraphQL documents; it must describe the committed
// schema.graphql, or the page's type check would vouch for fields the server lacks.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

test('web/src/graphql-env.d.ts is up to date (run `npm run web:types` after `npm run schema`)', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'oag-graphql-env-'));
  try {
    const output = join(directory, 'graphql-env.d.ts');
    await promisify(execFile)(
      join(projectRoot, 'node_modules/.bin/gql.tada'),
      ['generate', 'output', '--tsconfig', 'web/tsconfig.json', '--output', output],
      { cwd: projectRoot },
    );
    expect(await readFile(join(projectRoot, 'web/src/graphql-env.d.ts'), 'utf8')).toBe(await readFile(output, 'utf8'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
