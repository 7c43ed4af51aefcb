import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../test/harness.js';
import { awaitDurable, inlined, openDatabase, prepared, simpleBatch, type DbHandle } from './db.js';

let url: string;
let handle: DbHandle<unknown>;

beforeAll(async () => {
  url = await createTestDatabase();
  // One connection, so every statement below meets the same session.
  handle = openDatabase<unknown>(url, { max: 1 });
});

afterAll(async () => {
  await handle.close();
  await dropTestDatabase(url);
});

const preparedHere = async () => {
  const { rows } = await sql<{
    name: string;
    statement: string;
  }>`select name, statement from pg_prepared_statements`.execute(handle.db);
  return rows;
};

describe('prepared statements', () => {
  it('keeps a marked statement prepared on the connection and reuses it', async () => {
    const square = (n: number) =>
      prepared(sql<{ square: number }>`select ${n}::int * ${n}::int as square`).execute(handle.db);
    expect((await square(7)).rows).toEqual([{ square: 49 }]);
    expect((await square(12)).rows).toEqual([{ square: 144 }]);
    const statements = (await preparedHere()).filter((s) => s.statement.includes('* $2'));
    expect(statements).toHaveLength(1);
    expect(statements[0]?.name).toMatch(/^parley_[0-9a-f]{20}$/);
    expect(statements[0]?.statement.startsWith('/* prepared */')).toBe(true);
  });

  it('leaves unmarked statements unnamed', async () => {
    const { rows } = await sql<{ cube: number }>`select ${3}::int ^ 3 as cube`.execute(handle.db);
    expect(rows).toEqual([{ cube: 27 }]);
    expect((await preparedHere()).some((s) => s.statement.includes('^ 3'))).toBe(false);
  });

  it('reports a failing marked statement and runs it again afterwards', async () => {
    const divide = (n: number) =>
      prepared(sql<{ q: number }>`select 10 / ${n}::int as q`).execute(handle.db);
    await expect(divide(0)).rejects.toThrow(/division by zero/);
    expect((await divide(5)).rows).toEqual([{ q: 2 }]);
    await expect(divide(0)).rejects.toThrow(/division by zero/);
    expect((await divide(2)).rows).toEqual([{ q: 5 }]);
  });

  it('refuses a marked statement that does not parse, and the connection stays usable', async () => {
    await expect(prepared(sql`selec ${1}::int`).execute(handle.db)).rejects.toThrow(/syntax/);
    await expect(prepared(sql`selec ${1}::int`).execute(handle.db)).rejects.toThrow(/syntax/);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});

describe('durability', () => {
  it('makes commits that skipped the flush durable, and the skip ends with its own transaction', async () => {
    await sql`create table durable_probe (id serial primary key, body text)`.execute(handle.db);
    await sql`insert into durable_probe (body)
              select 'Hej' from (select set_config('synchronous_commit', 'off', true)) s`.execute(
      handle.db,
    );
    // The same session, the next transaction: committing with the flush again.
    const { rows } = await sql<{ setting: string; lsn: string }>`
      select current_setting('synchronous_commit') as setting,
             pg_current_wal_insert_lsn()::text as lsn`.execute(handle.db);
    expect(rows[0]?.setting).toBe('on');
    await awaitDurable(handle.db);
    const flushed = await sql<{ flushed: boolean }>`
      select pg_current_wal_flush_lsn() >= ${rows[0]?.lsn ?? ''}::pg_lsn as flushed`.execute(
      handle.db,
    );
    expect(flushed.rows[0]?.flushed).toBe(true);
  });
});

describe('statements with their parameters inlined', () => {
  it('mean what the parameterised statement means, for every kind of value', async () => {
    const nasty = `O'Brien \\ "quoted" $1 -- not a comment; drop table x`;
    const when = new Date('2026-03-01T12:34:56.789Z');
    const query = sql<Record<string, unknown>>`
      select ${nasty}::text as text, ${42}::int as number, ${true}::boolean as flag,
             ${when}::timestamptz as at, ${null}::text as nothing,
             ${['a', 'b"c', 'd\\e', null]}::text[] as list, ${JSON.stringify({ k: "v'" })}::jsonb as json,
             ${Buffer.from([0, 255])}::bytea as bytes, ${'zamówienie 客户 پشتیبانی'} = ${'zamówienie 客户 پشتیبانی'} as same`;
    const expected = (await query.execute(handle.db)).rows;
    const client = await handle.pool.connect();
    try {
      const [first, second] = await simpleBatch(client, [
        inlined(query.compile(handle.db)),
        'select 2 as two',
      ]);
      expect(first).toEqual(expected);
      expect(first?.[0]).toMatchObject({ text: nasty, list: ['a', 'b"c', 'd\\e', null] });
      expect(second).toEqual([{ two: 2 }]);
    } finally {
      client.release();
    }
  });

  it('refuses a NUL, which would cut the text short', () => {
    expect(() => inlined(sql`select ${'a\u0000b'}`.compile(handle.db))).toThrow(/NUL/);
  });
});
