import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { searchTextFor } from '../apps/server/src/modules/search/text.js';
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

    // Baseline: the rows one ticket writes, with the same values (search text, contact
    // summary, timeline entry, outbox events and their NOTIFY), by hand: one INSERT per
    // table in one transaction per ticket, as an application without Parley's single
    // statement would write them.
    const subject = 'Zamówienie nie dotarło';
    const text = 'Dzień dobry, moje zamówienie nie dotarło. Where is my order?';
    const name = 'Bench Customer';
    const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY });
    const raw = await loop({
      concurrency: CONCURRENCY,
      duration,
      run: async (i) => {
        const client = await pool.connect();
        try {
          const contactId = uuidv7();
          const conversationId = uuidv7();
          const email = `raw-${run}-${i}@bench.example.com`;
          const at = new Date();
          await client.query('begin');
          await client.query(
            `insert into contacts (workspace_id, id, name, search_text, language)
             values ($1, $2, $3, $4, 'pl')`,
            [db.workspaceId, contactId, name, searchTextFor(name)],
          );
          await client.query(
            "insert into contact_identities (workspace_id, kind, value, contact_id) values ($1, 'email', $2, $3)",
            [db.workspaceId, email, contactId],
          );
          const { rows } = await client.query<{ number: number }>(
            `insert into conversations (
               workspace_id, id, number, subject, search_text, channel, language, contact_id,
               contact_name, contact_email, last_seq, message_count, preview,
               first_customer_message_at, last_customer_message_at, last_activity_at, created_at)
             values ($1, $2, parley_next_ticket_number($1), $3, $4, 'api', 'pl', $5, $6, $7, 1, 1, $8,
                     $9, $9, $9, $9)
             returning number`,
            [
              db.workspaceId,
              conversationId,
              subject,
              searchTextFor(subject),
              contactId,
              name,
              email,
              text,
              at,
            ],
          );
          const messageId = uuidv7();
          await client.query(
            `insert into messages (workspace_id, id, conversation_id, seq, kind, author_type, author_id,
                                   channel, text, search_text, metadata, created_at)
             values ($1, $2, $3, 1, 'inbound', 'contact', $4, 'api', $5, $6, $7, $8)`,
            [
              db.workspaceId,
              messageId,
              conversationId,
              contactId,
              text,
              searchTextFor(text),
              JSON.stringify({ createdBy: db.agents[0] }),
              at,
            ],
          );
          await client.query(
            `insert into conversation_events (workspace_id, conversation_id, type, actor_type, actor_id, data)
             values ($1, $2, 'conversation.created', 'contact', $3, $4)`,
            [
              db.workspaceId,
              conversationId,
              contactId,
              JSON.stringify({ channel: 'api', followUpOfId: null }),
            ],
          );
          await client.query(
            `insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
             values ($1, 'conversation', $2, 'conversation.created', $3, true),
                    ($1, 'conversation', $2, 'message.created', $4, true)`,
            [
              db.workspaceId,
              conversationId,
              JSON.stringify({
                number: rows[0]?.number,
                channel: 'api',
                contactId,
                followUpOfId: null,
                automated: false,
              }),
              JSON.stringify({ messageId, seq: 1, kind: 'inbound', automated: false }),
            ],
          );
          await client.query("select pg_notify('parley_outbox', '')");
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
          contact: { email: `api-${run}-${n++}@bench.example.com`, name },
          subject,
          text,
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
