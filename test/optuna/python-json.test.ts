import { describe, expect, test } from 'vitest';
import { parsePythonJson, pythonJsonDumps } from '../../src/optuna/python-json.js';

describe('parsePythonJson', () => {
  test('reads plain JSON', () => {
    expect(parsePythonJson('{"a": [1, "x", null, true]}')).toEqual({ a: [1, 'x', null, true] });
  });

  test('reads the bare NaN/Infinity/-Infinity Python writes, as numbers', () => {
    expect(parsePythonJson('[NaN, Infinity, -Infinity, 1.5]')).toEqual([Number.NaN, Infinity, -Infinity, 1.5]);
    expect(parsePythonJson('{"loss": NaN}')).toEqual({ loss: Number.NaN });
  });

  test('leaves the same words inside strings alone', () => {
    expect(parsePythonJson('{"NaN": "Infinity", "x": -Infinity, "s": "a \\"NaN\\" b"}')).toEqual({
      NaN: 'Infinity',
      x: -Infinity,
      s: 'a "NaN" b',
    });
  });

  test('still rejects text that is not JSON', () => {
    expect(() => parsePythonJson('{not json')).toThrow(SyntaxError);
  });
});

describe('pythonJsonDumps', () => {
  test("writes exactly what Python's json.dumps writes (separators, ASCII escapes, exponents, non-finite)", () => {
    // Expected output produced by /usr/bin/python3 json.dumps on the same value.
    const value = {
      artifact_id: 'a',
      filename: '結果 "q" \\ \n\t\u007f\u0001😀.txt',
      mimetype: 'text/plain',
      encoding: null,
      size: 12,
      list: [1, 1.5, 1e-7, 1e21, true, Number.NaN, Infinity, -Infinity],
    };
    expect(pythonJsonDumps(value)).toBe(
      '{"artifact_id": "a", "filename": "\\u7d50\\u679c \\"q\\" \\\\ \\n\\t\\u007f\\u0001\\ud83d\\ude00.txt", ' +
        '"mimetype": "text/plain", "encoding": null, "size": 12, "list": [1, 1.5, 1e-07, 1e+21, true, NaN, Infinity, -Infinity]}',
    );
  });

  test('double encoding a string matches json.dumps(json.dumps(...))', () => {
    const inner = pythonJsonDumps({ artifact_id: 'a', filename: '結果.txt', encoding: null });
    expect(pythonJsonDumps(inner)).toBe(
      '"{\\"artifact_id\\": \\"a\\", \\"filename\\": \\"\\\\u7d50\\\\u679c.txt\\", \\"encoding\\": null}"',
    );
  });

  test('round-trips through parsePythonJson', () => {
    const value = { a: [1, 'é', null, { b: false }], c: -Infinity };
    expect(parsePythonJson(pythonJsonDumps(value))).toEqual(value);
  });
});
