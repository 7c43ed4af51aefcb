import { createHash } from 'node:crypto';
import {
  CamelCasePlugin,
  Kysely,
  PostgresDialect,
  sql,
  type Compilable,
  type CompiledQuery,
  type QueryExecutorProvider,
  type QueryResult,
  type RawBuilder,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';

// Return bigint columns (counts, sequence numbers) as numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * The first words of a statement each connection keeps prepared (see `prepared`). Kept in
 * the text, it is an SQL comment to PostgreSQL.
 */
const PREPARED_MARK = '/* prepared */ ';

/** Statement names by text: one per distinct prepared text, for every connection. */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `parley_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A connection that runs statements marked by `prepared` as named prepared statements:
 * PostgreSQL parses them once per connection and, after a few executions, reuses a generic
 * plan, where an unnamed statement is parsed and planned on every call (over a millisecond
 * for the big write statements of the inbound path, more than they take to execute).
 */
class PreparingClient extends pg.Client {
  // pg's `query` has a dozen overloads; this passes every call through unchanged except a
  // marked text with values (Kysely's and our calls: promise style, no callback), which
  // becomes a named query config.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  override query(...args: any[]): any {
    const [text, values] = args as [unknown, unknown];
    if (typeof text === 'string' && text.startsWith(PREPARED_MARK) && Array.isArray(values)) {
      return super.query({ name: statementName(text), text, values } as pg.QueryConfig);
    }
    return super.query(...(args as [string]));
  }
}

/**
 * Marks a hot statement to be kept prepared on each connection. Only for statements whose
 * text has a bounded number of shapes (no `in` lists of varying length spelled out as
 * parameters: pass arrays with `= any(...)`), and whose result columns are named, not `*`
 * of a table (a prepared plan refuses a table whose columns changed under it).
 */
export function prepared<T>(query: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(PREPARED_MARK)}${query}`;
}

/**
 * Runs a query builder's statement kept prepared (see `prepared` for which statements
 * qualify), on the database or transaction the builder came from; returns its rows.
 */
export async function executePrepared<O>(
  executor: { executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> },
  query: Compilable<O>,
): Promise<O[]> {
  const compiled = query.compile();
  const { rows } = await executor.executeQuery<O>({
    ...compiled,
    sql: PREPARED_MARK + compiled.sql,
  });
  return rows;
}

/**
 * Returns once everything committed before the call is on disk: a transaction that writes a
 * tiny WAL record (a transactional logical message, which no table sees) commits with the
 * flush, and the flush covers every earlier commit, including those made without waiting
 * for it (`synchronous_commit = off`). Concurrent callers share one fsync (group commit).
 */
export async function awaitDurable(db: QueryExecutorProvider): Promise<void> {
  await prepared(
    sql`select pg_logical_emit_message(true, 'parley.durable', '')::text as lsn`,
  ).execute(db);
}

/**
 * Several statements in one round trip (the simple query protocol, which takes no
 * parameters: see `inlined`): each round trip to PostgreSQL costs more CPU than small
 * statements themselves. Returns every statement's rows, in order. A statement that fails
 * ends the batch; one that opened a transaction leaves it to the caller to roll back.
 */
export async function simpleBatch(
  client: pg.ClientBase,
  statements: string[],
): Promise<Record<string, unknown>[][]> {
  // pg resolves a multi-statement text to one result per statement (its typings know one).
  const results = (await client.query(statements.join(';\n'))) as unknown as
    pg.QueryResult<Record<string, unknown>> | pg.QueryResult<Record<string, unknown>>[];
  return (Array.isArray(results) ? results : [results]).map((r) => r.rows);
}

/** A parameter as a quoted SQL literal (the text of `inlined`). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'`;
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) =>
      item === null || item === undefined
        ? 'NULL'
        : `"${elementText(item).replace(/[\\"]/g, '\\$&')}"`,
    );
    return literalText(`{${items.join(',')}}`);
  }
  return literalText(elementText(value));
}

function elementText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

function literalText(text: string): string {
  // The statement's text goes to the server as a C string: a NUL would cut it short.
  if (text.includes('\u0000')) throw new AppError('validation_failed', 'Text may not contain NUL');
  return pg.escapeLiteral(text);
}

/**
 * A compiled statement with its parameters written into the text as quoted literals, for
 * `simpleBatch`. A quoted literal has no type until its place in the statement gives it one,
 * as a parameter has none, so the statement means the same.
 */
export function inlined(query: { sql: string; parameters: readonly unknown[] }): string {
  return query.sql.replace(/\$(\d+)/g, (_, n: string) => literal(query.parameters[Number(n) - 1]));
}

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
    Client: PreparingClient,
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
    // Column names only: keys inside JSON values are data (a custom field's `order_number`,
    // a channel's metadata) and come back as they were written.
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
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
