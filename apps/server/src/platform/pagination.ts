import { sql, type SelectQueryBuilder } from 'kysely';
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
  throw invalidCursor();
}

/** A cursor this list did not give (tampered, or from another version): 400. */
export function invalidCursor(): AppError {
  return new AppError('validation_failed', 'The cursor is invalid; start from the first page', {
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

const isNameCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');

/**
 * Keyset paging by name: the rows of `q` after `cursor` by `lower(name)` (as PostgreSQL lowers
 * it), then `id`, `limit + 1` of them. `q` selects `lower(name)` as `sortName`, so the page's
 * cursor (`[sortName, id]`) compares exactly as the query does.
 */
export function rowsByName<DB, TB extends keyof DB, O extends { sortName: string; id: string }>(
  q: SelectQueryBuilder<DB, TB, O>,
  cursor: string | undefined,
  limit: number,
): Promise<O[]> {
  const after = decodeCursor(cursor, isNameCursor);
  const from = after
    ? q.where(sql<boolean>`(lower(name), id) > (${after[0]}, ${after[1]}::uuid)`)
    : q;
  return from
    .orderBy(sql`lower(name)`)
    .orderBy(sql`id`)
    .limit(limit + 1)
    .execute();
}

/** The cursor of a row paged by `rowsByName`. */
export const nameCursorOf = (row: { sortName: string; id: string }) => [row.sortName, row.id];
