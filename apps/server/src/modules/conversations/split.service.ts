import type { SplitBody } from '@parley/contract';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvents } from '../../platform/outbox.js';
import { searchTextFor } from '../search/text.js';
import { getConversation } from './conversations.service.js';

/**
 * Splits a message (with `withFollowing`, it and every later one) out of a conversation
 * into a new one of the same customer and channel, in one transaction: the messages move
 * and are numbered 1… in the new conversation, both conversations' counters and previews
 * are recomputed from the messages they now hold, both timelines say what happened, and
 * the two are linked as related. The source keeps its numbering (a gap where messages left).
 */
export async function splitConversation(props: {
  db: Db;
  actor: Actor;
  conversationId: string;
  body: SplitBody;
}) {
  const { actor, body } = props;
  if (!roleAtLeast(actor.role, 'agent'))
    throw forbidden('Collaborators cannot split conversations');
  const workspaceId = actor.workspaceId;
  const sourceId = props.conversationId;
  const targetId = uuidv7();
  await props.db.transaction().execute(async (trx) => {
    const source = await trx
      .selectFrom('conversations')
      .select(['id', 'number', 'subject', 'mergedIntoId', 'lastSeq'])
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', sourceId)
      .forUpdate()
      .executeTakeFirst();
    if (!source) throw notFound('The conversation', 'conversation_not_found');
    if (source.mergedIntoId)
      throw new AppError(
        'conflict',
        'This conversation was merged; split the one it was merged into',
      );
    const message = await trx
      .selectFrom('messages')
      .select(['seq'])
      .where('workspaceId', '=', workspaceId)
      .where('conversationId', '=', sourceId)
      .where('id', '=', body.messageId)
      .executeTakeFirst();
    if (!message) throw notFound('The message', 'message_not_found');
    const moving = body.withFollowing
      ? sql<boolean>`seq >= ${message.seq}`
      : sql<boolean>`seq = ${message.seq}`;
    const { rows: counts } = await sql<{ moving: number; total: number }>`
      select count(*) filter (where ${moving})::int as moving, count(*)::int as total
        from messages where workspace_id = ${workspaceId} and conversation_id = ${sourceId}`.execute(
      trx,
    );
    const count = counts[0]?.moving ?? 0;
    if (count >= (counts[0]?.total ?? 0))
      throw new AppError('conflict', 'A split must leave at least one message behind');

    const subject = body.subject ?? source.subject;
    // The new conversation copies the customer, channel, language and routing fields.
    const { rows: created } = await sql<{ number: number }>`
      insert into conversations (
        workspace_id, id, number, subject, search_text, status, priority, channel, language, category, tags,
        custom_fields, contact_id, contact_name, contact_email, contact_phone, team_id, assignee_id,
        required_skills, last_seq, message_count, created_at, updated_at)
      select workspace_id, ${targetId}, parley_next_ticket_number(${workspaceId}::uuid), ${subject},
             ${searchTextFor(subject)}, 'open', priority, channel, language, category, tags, custom_fields,
             contact_id, contact_name, contact_email, contact_phone, team_id, assignee_id, required_skills,
             0, 0, now(), now()
        from conversations where workspace_id = ${workspaceId} and id = ${sourceId}
      returning number`.execute(trx);
    const number = created[0]?.number;
    if (number === undefined) throw new Error('split insert returned nothing');
    await sql`
      with ordered as (
        select id, row_number() over (order by seq) as rn from messages
         where workspace_id = ${workspaceId} and conversation_id = ${sourceId} and ${moving}
      )
      update messages m set conversation_id = ${targetId}, seq = o.rn
        from ordered o where m.workspace_id = ${workspaceId} and m.id = o.id`.execute(trx);
    // A moved email's Message-ID (inbound, or ours for a reply sent) threads the answers to
    // it: they belong where it went.
    await sql`
      update conversation_thread_keys k set conversation_id = ${targetId}
       where k.workspace_id = ${workspaceId} and k.conversation_id = ${sourceId}
         and k.key in (select m.metadata->>'messageId' from messages m
                        where m.workspace_id = ${workspaceId} and m.conversation_id = ${targetId}
                          and m.metadata ? 'messageId')`.execute(trx);
    for (const id of [sourceId, targetId]) await recountConversation(trx, workspaceId, id);

    await trx
      .insertInto('conversationLinks')
      .values([
        {
          workspaceId,
          conversationId: sourceId,
          linkedId: targetId,
          kind: 'related',
          createdBy: actor.userId,
        },
        {
          workspaceId,
          conversationId: targetId,
          linkedId: sourceId,
          kind: 'related',
          createdBy: actor.userId,
        },
      ])
      .execute();
    await trx
      .insertInto('conversationEvents')
      .values([
        {
          workspaceId,
          conversationId: sourceId,
          type: 'conversation.split',
          actorType: 'user',
          actorId: actor.userId,
          data: JSON.stringify({ into: targetId, intoNumber: number, messages: count }),
        },
        {
          workspaceId,
          conversationId: targetId,
          type: 'conversation.created',
          actorType: 'user',
          actorId: actor.userId,
          data: JSON.stringify({
            splitFrom: sourceId,
            splitFromNumber: source.number,
            messages: count,
          }),
        },
      ])
      .execute();
    await recordEvents(trx, [
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: targetId,
        type: 'conversation.created',
        // Agents split; the customer is not acknowledged a second time.
        data: { number, splitFromId: sourceId, automated: true, actorId: actor.userId },
        broadcast: true,
      },
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: sourceId,
        type: 'conversation.split',
        data: { into: targetId, messages: count, actorId: actor.userId },
        broadcast: true,
      },
    ]);
  });
  return getConversation({ db: props.db, workspaceId, conversationId: targetId });
}

/** Counters, preview and metric timestamps recomputed from the messages a conversation holds. */
async function recountConversation(trx: Tx, workspaceId: string, conversationId: string) {
  await sql`
    update conversations c set
      message_count = m.n,
      last_seq = greatest(c.last_seq, m.last_seq),
      last_activity_at = coalesce(m.last_at, c.last_activity_at),
      first_customer_message_at = m.first_in,
      last_customer_message_at = m.last_in,
      first_response_at = m.first_out,
      last_agent_message_at = m.last_out,
      preview = coalesce(m.preview, ''),
      updated_at = now()
      from (
        select count(*)::int as n,
               coalesce(max(seq), 0) as last_seq,
               max(created_at) as last_at,
               min(created_at) filter (where kind = 'inbound') as first_in,
               max(created_at) filter (where kind = 'inbound') as last_in,
               min(created_at) filter (where kind = 'outbound' and author_type = 'user') as first_out,
               max(created_at) filter (where kind = 'outbound' and author_type = 'user') as last_out,
               (array_agg(left(btrim(regexp_replace(text, '\\s+', ' ', 'g')), 200) order by seq desc)
                  filter (where kind <> 'note' and author_type <> 'system'))[1] as preview
          from messages
         where workspace_id = ${workspaceId} and conversation_id = ${conversationId}
      ) m
     where c.workspace_id = ${workspaceId} and c.id = ${conversationId}`.execute(trx);
}
