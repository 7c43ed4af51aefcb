import { AppError } from './errors.js';

/** Opaque list cursors: the last row's sort key, base64url-encoded JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(
  cursor: string | undefined,
  check: (value: unknown) => value is T,
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'The cursor is invalid; start from the first page', {
    details: { issues: [{ path: 'querystring.cursor', message: 'is invalid' }] },
  });
}

/** Takes `limit + 1` rows and turns them into a page with the next cursor. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Item,
  cursorOf: (row: Row) => unknown,
): { data: Item[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(present),
    nextCursor: more && last ? encodeCursor(cursorOf(last)) : null,
  };
}

export const isString = (value: unknown): value is string => typeof value === 'string';
