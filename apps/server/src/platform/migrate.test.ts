import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { admin, withDatabase } from '../test/global-setup.js';
import { dropTestDatabase } from '../test/harness.js';
import { migrations } from '../migrations/index.js';
import { openDatabase } from './db.js';
import { migrateToLatest } from './migrate.js';
import { inject } from 'vitest';

const log = pino({ level: 'silent' });
const name = `parley_t_${inject('templateDatabase').replace('parley_tpl_', '')}_migrate${process.pid}`;
const url = withDatabase(inject('databaseUrl'), name);

afterAll(() => dropTestDatabase(url));

describe('migrations', () => {
  it('apply once when two nodes start on an empty database at the same moment', async () => {
    await admin(inject('databaseUrl'), async (client) => {
      await client.query(`create database ${name}`);
    });
    const nodes = [openDatabase(url, { max: 3 }), openDatabase(url, { max: 3 })];
    try {
      const applied = await Promise.all(
        nodes.map((n) => migrateToLatest(n.db as never, n.pool, migrations, log)),
      );
      expect(applied.flat().sort()).toEqual(Object.keys(migrations).sort());
      const { rows } = await nodes[0]!.pool.query<{ n: number }>(
        'select count(*)::int as n from parley_migrations',
      );
      expect(rows[0]?.n).toBe(Object.keys(migrations).length);
      // Running again is a no-op.
      expect(await migrateToLatest(nodes[1]!.db as never, nodes[1]!.pool, migrations, log)).toEqual(
        [],
      );
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});
