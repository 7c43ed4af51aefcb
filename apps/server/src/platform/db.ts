import { CamelCasePlugin, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from './logger.js';

// Return bigint columns (counts, sequence numbers) as numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DbHandle<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Opens the connection pool and the Kysely instance over it. Columns are snake_case in
 * SQL and camelCase in TypeScript (CamelCasePlugin); raw `sql` uses the SQL names.
 */
export function openDatabase<DB>(
  url: string,
  options: { max?: number; log?: Logger } = {},
): DbHandle<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    // HTTP requests, up to WORKER_CONCURRENCY jobs and the outbox share it.
    max: options.max ?? 30,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: 'parley',
  });
  let closed = false;
  // After close(), a server shutting down may still tell connections it is terminating them.
  const onError = (error: Error) => {
    if (!closed) options.log?.warn({ err: error }, 'database connection failed');
  };
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });

  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  const timeout = new Promise<false>((resolve) =>
    setTimeout(() => resolve(false), timeoutMs).unref(),
  );
  const ping = pool.query('select 1').then(
    () => true,
    () => false,
  );
  return Promise.race([ping, timeout]);
}

/** Postgres error code, when `error` came from the server. */
export function pgErrorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

export const UNIQUE_VIOLATION = '23505';

export { sql };
export type { Transaction };
