import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { httpLoad, loop } from './lib/measure.js';
import { forgetTickets, inRawTransaction, insertTicketRaw } from './lib/raw-ticket.js';
import { describeCpu, startParley, tokenFor, withCpu } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

const CONCURRENCY = 16;

/**
 * Tickets created through the public API (contact resolution, number, message, outbox
 * events, all in one transaction) beside raw PostgreSQL doing the same inserts in one
 * transaction per ticket, with the same concurrency.
 */
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
    // The seeded data stays as it was; the next scenario does not inherit these tickets' jobs.
    await forgetTickets(db.services.db, db.workspaceId, [`raw-${run}-%`, `api-${run}-%`]);

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
