// The one way an error becomes text, for log fields and for messages that wrap another error.

export interface DescribeErrorOptions {
  /** Add the stack frames on the following lines (for errors nobody expected). @default false */
  stack?: boolean;
}

/**
 * `Name [code]: first line of the message`. The name is left out for a plain `Error`, whose
 * message says it all; the code (a Node system error's `ENOENT`, a client's HTTP status) is
 * what a reader searches for.
 */
export function describeError(error: unknown, options: DescribeErrorOptions = {}): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : '';
  const prefix = error.name === 'Error' && codeText === '' ? '' : `${error.name}${codeText}: `;
  const line = `${prefix}${error.message.split('\n')[0] ?? ''}`;
  if (!options.stack || error.stack === undefined) return line;
  const frames = error.stack.split('\n').filter((stackLine) => stackLine.startsWith('    at '));
  return [line, ...frames].join('\n');
}
