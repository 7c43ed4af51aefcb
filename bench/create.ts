import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { httpLoad, loop } from './lib/measure.js';
import { startParley, tokenFor } from './lib/env.js';
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

    // Baseline: the rows one ticket writes, by hand, one transaction each.
    const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY });
    const raw = await loop({
      concurrency: CONCURRENCY,
      duration,
      run: async (i) => {
        const client = await pool.connect();
        try {
          const contactId = uuidv7();
          const conversationId = uuidv7();
          await client.query('begin');
          await client.query('insert into contacts (workspace_id, id, name) values ($1, $2, $3)', [
            db.workspaceId,
            contactId,
            'Raw',
          ]);
          await client.query(
            "insert into contact_identities (workspace_id, kind, value, contact_id) values ($1, 'email', $2, $3)",
            [db.workspaceId, `raw-${run}-${i}@bench.example.com`, contactId],
          );
          await client.query(
            `insert into conversations (workspace_id, id, number, subject, channel, contact_id, last_seq, message_count)
             values ($1, $2, parley_next_ticket_number($1), 'Raw', 'api', $3, 1, 1)`,
            [db.workspaceId, conversationId, contactId],
          );
          await client.query(
            `insert into messages (workspace_id, id, conversation_id, seq, kind, author_type, author_id, channel, text)
             values ($1, $2, $3, 1, 'inbound', 'contact', $4, 'api', 'Where is my order?')`,
            [db.workspaceId, uuidv7(), conversationId, contactId],
          );
          await client.query(
            `insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type)
             values ($1, 'conversation', $2, 'conversation.created'), ($1, 'conversation', $2, 'message.created')`,
            [db.workspaceId, conversationId],
          );
          await client.query('commit');
        } catch (error) {
          await client.query('rollback');
          throw error;
        } finally {
          client.release();
        }
      },
    });
    await pool.end();

    const parley = await startParley(db.url);
    let n = 0;
    const api = await httpLoad({
      url: `${parley.url}/api/v1/conversations`,
      method: 'POST',
      connections: CONCURRENCY,
      duration,
      headers: { authorization: `Bearer ${token}` },
      body: () =>
        JSON.stringify({
          contact: { email: `api-${run}-${n++}@bench.example.com`, name: 'Bench Customer' },
          subject: 'Zamówienie nie dotarło',
          text: 'Dzień dobry, moje zamówienie nie dotarło. Where is my order?',
        }),
    }).finally(() => parley.stop());

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
      notes: [`${CONCURRENCY} concurrent; ${api.errors} API errors, ${raw.errors} raw errors`],
    };
  },
};
