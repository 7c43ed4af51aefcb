/**
 * PostgreSQL's text cannot hold U+0000: a NUL that reached a statement would fail it (a 500
 * for a request, a mail that fails on every try). Requests with one are refused; mail has it
 * replaced.
 */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Buffer.isBuffer(value)) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value))
    if (hasNul(item, depth + 1)) return true;
  return false;
}

/** `value` with every NUL in its strings replaced by U+FFFD (the replacement character). */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD') as T;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => withoutNul(item)) as T;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, withoutNul(item)]),
  ) as T;
}
