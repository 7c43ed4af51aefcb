import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { migrations } from '../migrations/index.js';
import { openDatabase } from '../platform/db.js';
import { startEmbeddedPostgres } from '../platform/embedded-postgres.js';
import { migrateToLatest } from '../platform/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
  }
}

/**
 * Once per run: a PostgreSQL (the embedded one in data/test, or TEST_DATABASE_URL), and a
 * migrated template database. Each test file clones it (CREATE DATABASE … TEMPLATE,
 * about 0.1 s), so files run in parallel, each on its own real database.
 */
export default async function setup(project: TestProject) {
  const log = pino({ level: 'warn' });
  const embedded = process.env.TEST_DATABASE_URL
    ? null
    : await startEmbeddedPostgres({
        dataDir: resolve('data/test'),
        port: Number(process.env.TEST_PG_PORT ?? checkoutPort()),
        log,
      });
  const databaseUrl = process.env.TEST_DATABASE_URL ?? embedded?.url ?? '';
  const template = `parley_tpl_${process.pid}`;
  await admin(databaseUrl, async (client) => {
    await dropStale(client);
    await client.query(`create database ${template}`);
  });
  const handle = openDatabase(withDatabase(databaseUrl, template), { max: 2 });
  await migrateToLatest(handle.db, handle.pool, migrations, log);
  await handle.close();

  project.provide('databaseUrl', databaseUrl);
  project.provide('templateDatabase', template);

  return async () => {
    await admin(databaseUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        'select datname from pg_database where datname like $1 or datname = $2',
        [`parley_t_${process.pid}_%`, template],
      );
      for (const row of rows)
        await client.query(`drop database if exists ${row.datname} with (force)`);
    });
    if (embedded?.origin === 'started') await embedded.stop();
  };
}

/** Databases left by runs whose process is gone (a killed run) are dropped. */
async function dropStale(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    "select datname from pg_database where datname ~ '^parley_(tpl|t)_[0-9]+'",
  );
  for (const { datname } of rows) {
    const pid = Number(/^parley_(?:tpl|t)_(\d+)/.exec(datname)?.[1]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) await client.query(`drop database if exists ${datname} with (force)`);
  }
}

/** A port of this checkout's own, so two checkouts on one machine can test at once. */
function checkoutPort(): number {
  const hash = createHash('sha256').update(resolve('.')).digest().readUInt16BE(0);
  return 54400 + (hash % 500);
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function admin(
  url: string,
  work: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
