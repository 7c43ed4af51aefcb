import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { httpLoad, loop } from './lib/measure.js';
import { inRawTransaction, insertTicketRaw } from './lib/raw-ticket.js';
import { sql } from 'kysely';
import { describeCpu, startParley, tokenFor, withCpu, type BenchDatabase } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

const CONCURRENCY = 16;

/**
 * Tickets created through the public API (contact resolution, number, message, outbox
 * events, all in one transaction) beside raw PostgreSQL doing the same inserts in one
 * transaction per ticket, with the same concurrency.
 */
/**
 * Deletes the tickets a run made and the work they queued (routing, acknowledgement jobs;
 * undelivered events): the seeded data stays as it was, and the next scenario does not
 * inherit thousands of their jobs (`email` waits for earlier work before its clock starts).
 */
async function forget(db: BenchDatabase, run: string): Promise<void> {
  await db.services.db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ id: string; contactId: string }>`
      select id, contact_id from conversations
       where workspace_id = ${db.workspaceId}
         and (contact_email like ${`raw-${run}-%`} or contact_email like ${`api-${run}-%`})`.execute(
      tx,
    );
    const ids = rows.map((row) => row.id);
    // A conversation's jobs are keyed `<task>:<conversation id>`.
    await sql`
      select graphile_worker.complete_jobs(array(
        select id from graphile_worker.jobs where right(key, 36) = any(${ids}::text[])))`.execute(
      tx,
    );
    await sql`delete from outbox_events where aggregate_id::text = any(${ids}::text[])`.execute(tx);
    await sql`
      delete from conversations
       where workspace_id = ${db.workspaceId} and id = any(${ids}::uuid[])`.execute(tx);
    await sql`
      delete from contacts
       where workspace_id = ${db.workspaceId} and id = any(${rows.map((row) => row.contactId)}::uuid[])`.execute(
      tx,
    );
  });
}

export const scenario: Scenario = {
  name: 'create',
  description: 'POST /api/v1/conversations, 16 concurrent, beside the same inserts in raw SQL',
  needsData: true,
  async run(context) {
    const { duration } = context;
    const db = await context.database();
    const token = await tokenFor(db, db.agents[0] ?? '');
    const run = randomBytes(4).toString('hex');

    // Baseline: the rows one ticket writes, by hand, one transaction per ticket (raw-ticket.ts).
    const subject = 'Zamówienie nie dotarło';
    const text = 'Dzień dobry, moje zamówienie nie dotarło. Where is my order?';
    const name = 'Bench Customer';
    const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY });
    const { result: raw, cpu: rawCpu } = await withCpu(() =>
      loop({
        concurrency: CONCURRENCY,
        duration,
        run: (i) =>
          inRawTransaction(pool, (client) =>
            insertTicketRaw(client, {
              workspaceId: db.workspaceId,
              email: `raw-${run}-${i}@bench.example.com`,
              name,
              subject,
              text,
              channel: 'api',
              metadata: { createdBy: db.agents[0] },
            }),
          ),
      }),
    );
    await pool.end();

    const parley = await startParley(db.url);
    let n = 0;
    const { result: api, cpu: apiCpu } = await withCpu(
      () =>
        httpLoad({
          url: `${parley.url}/api/v1/conversations`,
          method: 'POST',
          connections: CONCURRENCY,
          duration,
          headers: { authorization: `Bearer ${token}` },
          body: () =>
            JSON.stringify({
              contact: { email: `api-${run}-${n++}@bench.example.com`, name },
              subject,
              text,
            }),
        }),
      parley,
    ).finally(() => parley.stop());
    await forget(db, run);

    const share = ratio(api.throughput, raw.throughput) ?? 0;
    return {
      figures: [
        {
          name: 'tickets created via API',
          unit: 'ops/s',
          value: api.throughput,
          baseline: { name: 'raw SQL, same inserts', value: raw.throughput },
          ratio: share,
          target: {
            text: '≥ 2,000/s and ≥ 50% of raw',
            met: api.throughput >= 2000 && share >= 0.5,
          },
          stats: api,
          baselineStats: raw,
        },
      ],
      notes: [
        `${CONCURRENCY} concurrent; ${api.errors} API errors, ${raw.errors} raw errors`,
        // CPU per ticket does not depend on what else the machine is doing: compare runs by it.
        `CPU per ticket, ms: via API ${describeCpu(apiCpu)}; raw SQL ${describeCpu(rawCpu)}`,
      ],
    };
  },
};
