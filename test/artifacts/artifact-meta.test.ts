import { describe, expect, test } from 'vitest';
import {
  decodeArtifactAttribute,
  encodeArtifactMetaValueJson,
  parseArtifactAttributeKey,
} from '../../src/artifacts/artifact-meta.js';
import { loadManifest } from '../support/fixture.js';

const manifest = loadManifest();

describe('decoding the rows real Optuna and optuna-dashboard wrote (fixture)', () => {
  test.each(manifest.artifacts.map((artifact) => [artifact.attr_key, artifact] as const))('%s', (key, artifact) => {
    const decoded = decodeArtifactAttribute(key, artifact.value_json);
    expect(decoded).toEqual({
      kind: 'artifact',
      key: expect.objectContaining({ artifactId: artifact.artifact_id }),
      meta: {
        artifactId: artifact.artifact_id,
        filename: artifact.filename,
        mimetype: artifact.mimetype,
        encoding: artifact.encoding,
        size: null,
        sha256: null,
        createdAt: null,
      },
    });
  });

  test('legacy dashboard keys name their trial', () => {
    const legacy = manifest.artifacts.find((artifact) => artifact.kind === 'dashboard-legacy')!;
    expect(parseArtifactAttributeKey(legacy.attr_key)).toEqual({
      kind: 'legacy-dashboard',
      trialId: legacy.owner.trial_id,
      artifactId: legacy.artifact_id,
    });
  });

  test('tombstones are recognised, so they can be skipped', () => {
    for (const tombstone of manifest.tombstones) {
      expect(decodeArtifactAttribute(tombstone.attr_key, tombstone.value_json)).toEqual({ kind: 'tombstone' });
    }
  });

  test('other system attributes are not artifacts', () => {
    expect(decodeArtifactAttribute('fixed_params', '{"x": 1.0}')).toEqual({ kind: 'not-an-artifact' });
    expect(decodeArtifactAttribute('tpe:relative_params:0', '"{}"')).toEqual({ kind: 'not-an-artifact' });
  });
});

describe('malformed rows are reported, never thrown', () => {
  const id = '0c73ad2e-21f3-4c1a-8d8e-25603703ce72';
  const meta = { artifact_id: id, filename: 'a.txt', mimetype: 'text/plain', encoding: null };
  const cases: [string, string, string | null][] = [
    ['single-encoded (Optuna cannot read it)', `artifacts:${id}`, JSON.stringify(meta)],
    ['not JSON', `artifacts:${id}`, '"{broken'],
    ['NULL value', `artifacts:${id}`, null],
    ['missing encoding', `artifacts:${id}`, JSON.stringify(JSON.stringify({ ...meta, encoding: undefined }))],
    ['missing filename', `artifacts:${id}`, JSON.stringify(JSON.stringify({ ...meta, filename: undefined }))],
    ['an array', `artifacts:${id}`, JSON.stringify('[1]')],
    ['artifact_id not matching the key', 'artifacts:other', JSON.stringify(JSON.stringify(meta))],
    ['unreadable legacy key', `dashboard:artifacts:x:${id}`, JSON.stringify(JSON.stringify(meta))],
  ];
  test.each(cases)('%s', (_name, key, valueJson) => {
    expect(decodeArtifactAttribute(key, valueJson)).toMatchObject({ kind: 'malformed', reason: expect.any(String) });
  });
});

describe('encoding metadata exactly as Optuna does', () => {
  test("reproduces every row Optuna's upload_artifact wrote, byte for byte (non-ASCII filenames included)", () => {
    for (const artifact of manifest.artifacts) {
      expect(
        encodeArtifactMetaValueJson({
          artifactId: artifact.artifact_id,
          filename: artifact.filename,
          mimetype: artifact.mimetype,
          encoding: artifact.encoding,
        }),
      ).toBe(artifact.value_json);
    }
  });

  test('adds size, sha256 and created_at after the four keys Optuna reads, and reads them back', () => {
    const valueJson = encodeArtifactMetaValueJson({
      artifactId: 'abc',
      filename: 'model.bin',
      mimetype: 'application/octet-stream',
      encoding: null,
      size: 2 ** 40,
      sha256: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
      createdAt: '2026-11-28T04:50:00.918Z',
    });
    expect(valueJson).toBe(
      '"{\\"artifact_id\\": \\"abc\\", \\"filename\\": \\"model.bin\\", \\"mimetype\\": \\"application/octet-stream\\", ' +
        '\\"encoding\\": null, \\"size\\": 1099511627776, \\"sha256\\": \\"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\\", ' +
        '\\"created_at\\": \\"2026-11-28T04:50:00.918Z\\"}"',
    );
    expect(decodeArtifactAttribute('artifacts:abc', valueJson)).toMatchObject({
      kind: 'artifact',
      meta: {
        size: 2 ** 40,
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        createdAt: '2026-11-28T04:50:00.918Z',
      },
    });
  });

  test('compact JSON.stringify(JSON.stringify(meta)) with raw UTF-8 is read too; bad extras become null', () => {
    const valueJson = JSON.stringify(
      JSON.stringify({
        artifact_id: 'x',
        filename: '結果.txt',
        mimetype: 'text/plain',
        encoding: 'gzip',
        size: -1,
        sha256: 'zz',
        created_at: 'soon',
      }),
    );
    expect(decodeArtifactAttribute('artifacts:x', valueJson)).toEqual({
      kind: 'artifact',
      key: { kind: 'optuna', artifactId: 'x' },
      meta: {
        artifactId: 'x',
        filename: '結果.txt',
        mimetype: 'text/plain',
        encoding: 'gzip',
        size: null,
        sha256: null,
        createdAt: null,
      },
    });
  });
});
