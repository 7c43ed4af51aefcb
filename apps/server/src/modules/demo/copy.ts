import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue =
  string | number | boolean | Date | null | string[] | Record<string, unknown> | unknown[];

/** One value in PostgreSQL's COPY text format. */
function field(value: CopyValue): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return escape(
      `{${(value as string[]).map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`,
    );
  }
  if (typeof value === 'object') return escape(JSON.stringify(value));
  return escape(value);
}

function escape(text: string): string {
  return text.replace(
    /[\\\t\n\r]/g,
    (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c,
  );
}

/**
 * Streams rows into `table` with COPY FROM STDIN: hundreds of thousands of rows a second,
 * generated lazily so memory stays flat whatever the count.
 */
export async function copyRows(
  client: pg.PoolClient,
  table: string,
  columns: string[],
  rows: Iterable<CopyValue[]>,
): Promise<number> {
  let count = 0;
  function* lines(): Generator<string> {
    let batch = '';
    for (const row of rows) {
      batch += row.map(field).join('\t') + '\n';
      count++;
      if (batch.length > 256 * 1024) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  const sink = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  // Keep a listener for the stream's whole life: the server may report an error (a
  // duplicate key, say) after the last byte was written, and an unheard 'error' would
  // crash the process instead of failing this transaction.
  const state: { failure: Error | null } = { failure: null };
  sink.on('error', (error) => (state.failure ??= error));
  await pipeline(Readable.from(lines()), sink);
  if (state.failure) throw state.failure;
  return count;
}
