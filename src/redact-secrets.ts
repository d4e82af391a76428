// Keeps secrets out of the log: the one place that decides what counts as a secret.

/** Field names whose values are secrets whatever they hold. */
const secretFieldName = /password|passwd|token|authorization|secret|cookie|credential|api[-_]?key/i;

// scheme://user:password@host — the password runs to the last `@` of the authority, so a
// password with an unencoded `@` is still hidden whole.
const urlWithPassword = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:/?#@\s]*):[^/?#\s]*@/g;

/** `text` with the password of every URL in it replaced by `***` (the user name stays: it tells which account). */
export function redactUrlPasswords(text: string): string {
  return text.replace(urlWithPassword, '$1:***@');
}

/**
 * `value` with secrets removed, at any depth: a field named like a secret becomes `***`, and
 * URLs with credentials in any string lose their password.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactUrlPasswords(value);
  if (typeof value !== 'object' || value === null || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      secretFieldName.test(key) ? '***' : redactSecrets(field, depth + 1),
    ]),
  );
}
