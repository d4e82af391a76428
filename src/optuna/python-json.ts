// Python's `json` module as Optuna uses it. Optuna stores every attribute as `json.dumps(value)`,
// which writes NaN/Infinity/-Infinity as bare tokens (not JSON) and escapes non-ASCII; both
// directions must match so Python reads what we write and we read what Python wrote.

const nonFiniteMarker = '\u0000optuna-non-finite:';
const nonFiniteTokens = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };
type NonFiniteToken = keyof typeof nonFiniteTokens;

/** Parses the output of Python's `json.dumps`, bare NaN/Infinity/-Infinity included (as numbers). */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const marked = markNonFiniteTokens(text);
    if (marked === text) throw error;
    return JSON.parse(marked, (_key, value: unknown) =>
      typeof value === 'string' && value.startsWith(nonFiniteMarker)
        ? nonFiniteTokens[value.slice(nonFiniteMarker.length) as NonFiniteToken]
        : value,
    );
  }
}

/** Replaces the bare non-finite tokens outside string literals by marked strings. */
function markNonFiniteTokens(text: string): string {
  let output = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      const end = endOfStringLiteral(text, index);
      output += text.slice(index, end);
      index = end;
      continue;
    }
    const token = (['-Infinity', 'Infinity', 'NaN'] as const).find((candidate) => text.startsWith(candidate, index));
    if (token) {
      output += JSON.stringify(nonFiniteMarker + token);
      index += token.length;
      continue;
    }
    output += char;
    index += 1;
  }
  return output;
}

function endOfStringLiteral(text: string, openingQuote: number): number {
  let index = openingQuote + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index + 1;
}

/** The values `pythonJsonDumps` can write the way Python would. */
export type PythonJsonValue =
  string | number | boolean | null | readonly PythonJsonValue[] | { readonly [key: string]: PythonJsonValue };

/**
 * `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, `ensure_ascii=True`,
 * NaN/Infinity as bare tokens. Keys keep their insertion order (Python dicts do too).
 * Integral numbers are written as integers, since JavaScript cannot tell 1 from 1.0.
 */
export function pythonJsonDumps(value: PythonJsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonFloatRepr(value);
  if (typeof value === 'string') return pythonJsonString(value);
  if (Array.isArray(value)) return `[${value.map((item: PythonJsonValue) => pythonJsonDumps(item)).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: PythonJsonValue });
  return `{${entries.map(([key, item]) => `${pythonJsonString(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`;
}

function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  // Python's repr pads exponents to two digits (1e-07); JavaScript does not (1e-7).
  return String(value).replace(/e([+-])(\d)$/, 'e$10$2');
}

const pythonShortEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A JSON string literal as Python writes it with ensure_ascii: only printable ASCII stays. */
function pythonJsonString(text: string): string {
  let output = '"';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    const code = text.charCodeAt(index);
    if (pythonShortEscapes[char] !== undefined) output += pythonShortEscapes[char];
    else if (code >= 0x20 && code <= 0x7e) output += char;
    // UTF-16 code units are exactly the \uXXXX units Python writes (surrogate pairs included).
    else output += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${output}"`;
}
