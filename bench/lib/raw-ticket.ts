import { sql } from 'kysely';
import type pg from 'pg';
import type { Services } from '../../apps/server/src/context.js';
import { uuidv7 } from 'uuidv7';
import { searchTextFor } from '../../apps/server/src/modules/search/text.js';

export interface RawTicket {
  workspaceId: string;
  /** The customer's address (a new contact for every ticket). */
  email: string;
  name: string;
  subject: string;
  text: string;
  channel: 'api' | 'email';
  /** The message's metadata, as Parley would keep it. */
  metadata: Record<string, unknown>;
}

/**
 * The rows one new ticket writes (contact, identity, conversation with its number, first
 * message, timeline entry, outbox events and their NOTIFY), with the same values Parley
 * writes (search text, contact summary), by hand: one INSERT per table, as an application
 * without Parley's single statement would write them. The caller owns the transaction.
 * The baseline of the `create` scenario and, after filing the raw mail, of `email`'s floor.
 */
export async function insertTicketRaw(client: pg.ClientBase, ticket: RawTicket): Promise<void> {
  const contactId = uuidv7();
  const conversationId = uuidv7();
  const at = new Date();
  await client.query(
    `insert into contacts (workspace_id, id, name, search_text, language)
     values ($1, $2, $3, $4, 'pl')`,
    [ticket.workspaceId, contactId, ticket.name, searchTextFor(ticket.name)],
  );
  await client.query(
    "insert into contact_identities (workspace_id, kind, value, contact_id) values ($1, 'email', $2, $3)",
    [ticket.workspaceId, ticket.email, contactId],
  );
  const { rows } = await client.query<{ number: number }>(
    `insert into conversations (
       workspace_id, id, number, subject, search_text, channel, language, contact_id,
       contact_name, contact_email, last_seq, message_count, preview,
       first_customer_message_at, last_customer_message_at, last_activity_at, created_at)
     values ($1, $2, parley_next_ticket_number($1), $3, $4, $9, 'pl', $5, $6, $7, 1, 1, $8,
             $10, $10, $10, $10)
     returning number`,
    [
      ticket.workspaceId,
      conversationId,
      ticket.subject,
      searchTextFor(ticket.subject),
      contactId,
      ticket.name,
      ticket.email,
      ticket.text,
      ticket.channel,
      at,
    ],
  );
  const messageId = uuidv7();
  await client.query(
    `insert into messages (workspace_id, id, conversation_id, seq, kind, author_type, author_id,
                           channel, text, search_text, metadata, created_at)
     values ($1, $2, $3, 1, 'inbound', 'contact', $4, $5, $6, $7, $8, $9)`,
    [
      ticket.workspaceId,
      messageId,
      conversationId,
      contactId,
      ticket.channel,
      ticket.text,
      searchTextFor(ticket.text),
      JSON.stringify(ticket.metadata),
      at,
    ],
  );
  await client.query(
    `insert into conversation_events (workspace_id, conversation_id, type, actor_type, actor_id, data)
     values ($1, $2, 'conversation.created', 'contact', $3, $4)`,
    [
      ticket.workspaceId,
      conversationId,
      contactId,
      JSON.stringify({ channel: ticket.channel, followUpOfId: null }),
    ],
  );
  await client.query(
    `insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
     values ($1, 'conversation', $2, 'conversation.created', $3, true),
            ($1, 'conversation', $2, 'message.created', $4, true)`,
    [
      ticket.workspaceId,
      conversationId,
      JSON.stringify({
        number: rows[0]?.number,
        channel: ticket.channel,
        contactId,
        followUpOfId: null,
        automated: false,
      }),
      JSON.stringify({ messageId, seq: 1, kind: 'inbound', automated: false }),
    ],
  );
  await client.query("select pg_notify('parley_outbox', '')");
}

/** `work` in one transaction on a client of `pool`, as the raw baselines write. */
export async function inRawTransaction(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await work(client);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Deletes the tickets whose customer's address matches one of `patterns` (SQL `like`) and
 * the work they queued (their jobs, their undelivered events): what a scenario made for its
 * own measurement does not stay in the seeded data, nor leave thousands of jobs to the next
 * scenario (`email` waits for earlier work before its clock starts).
 */
export async function forgetTickets(
  db: Services['db'],
  workspaceId: string,
  patterns: string[],
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ id: string; contactId: string }>`
      select id, contact_id from conversations
       where workspace_id = ${workspaceId} and contact_email like any(${patterns}::text[])`.execute(
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
      delete from conversations where workspace_id = ${workspaceId} and id = any(${ids}::uuid[])`.execute(
      tx,
    );
    await sql`
      delete from contacts
       where workspace_id = ${workspaceId}
         and id = any(${rows.map((row) => row.contactId)}::uuid[])`.execute(tx);
  });
}
