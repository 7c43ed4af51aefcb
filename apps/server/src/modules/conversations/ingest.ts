import type { Attachment, Channel } from '@parley/contract';
import { MAX_SUBJECT, MAX_TEXT } from '@parley/contract';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { recordEvents, type NewEvent } from '../../platform/outbox.js';
import { findOrCreateContact } from '../contacts/contacts.service.js';
import { normalizeIdentity, type Identity } from '../contacts/identities.js';
import { contactSummarySql } from './contact-summary.js';
import { htmlToText, sanitize } from './sanitize.js';
import { searchTextFor } from '../search/text.js';

/** A message from a customer, normalised by its channel adapter. */
export interface InboundMessage {
  workspaceId: string;
  channel: Channel;
  /** Who sent it: their identity on the channel, and a display name if the channel knows one. */
  from: Identity & { name?: string | null };
  /** Keys this channel threads by (email: In-Reply-To/References; chat: session id). */
  threadKeys?: string[];
  /** Keys this message introduces, so later messages can thread to it (email: its Message-ID). */
  ownThreadKeys?: string[];
  /** An explicit ticket number the customer quoted (e.g. `[#1042]` in a subject). */
  ticketNumber?: number;
  subject?: string | null;
  text?: string | null;
  /** Raw HTML from outside: sanitized here, before it is stored. */
  html?: string | null;
  attachments?: Attachment[];
  /** The channel's id for this message; the same id twice gives one message. */
  externalId?: string | null;
  languageHint?: string | null;
  receivedAt?: Date;
  /** Set on a new conversation (agents opening one through the API). */
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  tags?: string[];
  /** Custom field values for a new conversation, already checked against their definitions. */
  customFields?: Record<string, unknown>;
  /** Automatic mail (auto-replies, bulk): threaded as usual, never acknowledged. */
  automated?: boolean;
  metadata?: Record<string, unknown>;
}

export interface IngestResult {
  conversationId: string;
  messageId: string;
  number: number;
  /** A new conversation was started (a new contact, a closed one followed up...). */
  conversationCreated: boolean;
  /** The message was already stored (same channel and external id): nothing written. */
  duplicate: boolean;
  reopened: boolean;
}

/**
 * A resolved conversation reopens on a customer reply within the workspace's window
 * (`reopen_window_days`, 7 by default); later, a follow-up starts.
 */
async function withinReopenWindow(
  trx: Tx,
  workspaceId: string,
  resolvedAt: Date,
  at: Date,
): Promise<boolean> {
  const { reopenWindowDays } = await trx
    .selectFrom('workspaces')
    .select('reopenWindowDays')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return at.getTime() - resolvedAt.getTime() <= reopenWindowDays * 86_400_000;
}

/**
 * The one inbound path: every channel hands its messages here. In one transaction it
 * resolves the contact, finds the conversation (thread keys, then the quoted ticket number,
 * else a new one), stores the message and records `conversation.created` /
 * `message.created` in the outbox. The same (channel, external id) twice stores once.
 */
export async function ingest(db: Db, message: InboundMessage): Promise<IngestResult> {
  const identity = normalizeIdentity(message.from);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => ingestIn(trx, message, identity));
    } catch (error) {
      // A concurrent delivery of the same external message won the race: report it.
      if (pgErrorCode(error) === UNIQUE_VIOLATION && message.externalId && attempt < 2) continue;
      throw error;
    }
  }
}

async function ingestIn(
  trx: Tx,
  message: InboundMessage,
  identity: Identity,
): Promise<IngestResult> {
  const { workspaceId, channel } = message;
  if (message.externalId) {
    const existing = await trx
      .selectFrom('messages')
      .innerJoin('conversations', (j) =>
        j
          .onRef('conversations.workspaceId', '=', 'messages.workspaceId')
          .onRef('conversations.id', '=', 'messages.conversationId'),
      )
      .select(['messages.id', 'messages.conversationId', 'conversations.number'])
      .where('messages.workspaceId', '=', workspaceId)
      .where('messages.channel', '=', channel)
      .where('messages.externalId', '=', message.externalId)
      .executeTakeFirst();
    if (existing) {
      return {
        conversationId: existing.conversationId,
        messageId: existing.id,
        number: existing.number,
        conversationCreated: false,
        duplicate: true,
        reopened: false,
      };
    }
  }

  const at = message.receivedAt ?? new Date();
  const html = message.html ? sanitize(message.html) : null;
  const text = (message.text ?? (html ? htmlToText(html) : '')).slice(0, MAX_TEXT);
  const subject = (message.subject ?? '').trim().slice(0, MAX_SUBJECT);
  const contact = await findOrCreateContact(trx, {
    workspaceId,
    identity,
    name: message.from.name ?? null,
    language: message.languageHint ?? null,
  });

  const found = await findThread(trx, { workspaceId, channel, contactId: contact.id, message });
  // Only a reply to a resolved conversation needs the workspace's window (one more read).
  const reopenable =
    found?.status === 'resolved' &&
    found.resolvedAt !== null &&
    (await withinReopenWindow(trx, workspaceId, found.resolvedAt, at));
  const continues =
    found !== null && found.status !== 'closed' && (found.status !== 'resolved' || reopenable);
  const events: NewEvent[] = [];
  const messageFields = {
    kind: 'inbound' as const,
    authorType: 'contact' as const,
    authorId: contact.id,
    channel,
    text,
    html,
    externalId: message.externalId ?? null,
    attachments: message.attachments ?? [],
    metadata: message.metadata ?? {},
    at,
  };

  let conversation: { id: string; number: number };
  let stored: { id: string; seq: number };
  const reopened = continues && found.status === 'resolved';
  if (continues) {
    conversation = found;
    stored = await appendMessage(trx, {
      workspaceId,
      conversationId: found.id,
      ...messageFields,
      reopen: reopened,
    });
    if (reopened) {
      await trx
        .insertInto('conversationEvents')
        .values({
          workspaceId,
          conversationId: found.id,
          type: 'conversation.reopened',
          actorType: 'contact',
          actorId: contact.id,
          data: JSON.stringify({ by: 'customer' }),
        })
        .execute();
    }
  } else {
    const opened = await openConversation(trx, {
      workspaceId,
      channel,
      contactId: contact.id,
      subject: subject || (found ? `Re: ${found.subject}` : ''),
      language: message.languageHint ?? null,
      followUpOfId: found?.id ?? null,
      priority: message.priority,
      tags: message.tags,
      customFields: message.customFields,
      message: messageFields,
    });
    conversation = opened;
    stored = opened.message;
    events.push({
      workspaceId,
      aggregateType: 'conversation',
      aggregateId: conversation.id,
      type: 'conversation.created',
      data: {
        number: conversation.number,
        channel,
        contactId: contact.id,
        followUpOfId: found?.id ?? null,
        automated: message.automated ?? false,
      },
      broadcast: true,
    });
  }
  const conversationCreated = !continues;

  const keys = [...new Set(message.ownThreadKeys ?? [])];
  if (keys.length > 0) {
    await trx
      .insertInto('conversationThreadKeys')
      .values(keys.map((key) => ({ workspaceId, channel, key, conversationId: conversation.id })))
      .onConflict((oc) => oc.columns(['workspaceId', 'channel', 'key']).doNothing())
      .execute();
  }

  events.push({
    workspaceId,
    aggregateType: 'conversation',
    aggregateId: conversation.id,
    type: 'message.created',
    data: {
      messageId: stored.id,
      seq: stored.seq,
      kind: 'inbound',
      automated: message.automated ?? false,
    },
    broadcast: true,
  });
  await recordEvents(trx, events);
  return {
    conversationId: conversation.id,
    messageId: stored.id,
    number: conversation.number,
    conversationCreated,
    duplicate: false,
    reopened,
  };
}

interface ThreadCandidate {
  id: string;
  number: number;
  subject: string;
  status: string;
  resolvedAt: Date | null;
}

/**
 * The conversation a message continues: by the channel's thread keys first, then by a
 * quoted ticket number (only one the same contact opened: quoting a number is no key to
 * somebody else's ticket). Merged conversations lead to where they were merged.
 */
async function findThread(
  trx: Tx,
  props: { workspaceId: string; channel: Channel; contactId: string; message: InboundMessage },
): Promise<ThreadCandidate | null> {
  const columns = [
    'conversations.id',
    'conversations.number',
    'conversations.subject',
    'conversations.status',
    'conversations.resolvedAt',
    'conversations.mergedIntoId',
  ] as const;
  let row: (ThreadCandidate & { mergedIntoId: string | null }) | undefined;
  const keys = props.message.threadKeys?.filter(Boolean) ?? [];
  if (keys.length > 0) {
    row = await trx
      .selectFrom('conversationThreadKeys')
      .innerJoin('conversations', (j) =>
        j
          .onRef('conversations.workspaceId', '=', 'conversationThreadKeys.workspaceId')
          .onRef('conversations.id', '=', 'conversationThreadKeys.conversationId'),
      )
      .select([...columns])
      .where('conversationThreadKeys.workspaceId', '=', props.workspaceId)
      .where('conversationThreadKeys.channel', '=', props.channel)
      .where('conversationThreadKeys.key', 'in', keys.slice(0, 100))
      .orderBy('conversations.createdAt', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
  if (!row && props.message.ticketNumber !== undefined) {
    row = await trx
      .selectFrom('conversations')
      .select([...columns])
      .where('workspaceId', '=', props.workspaceId)
      .where('number', '=', props.message.ticketNumber)
      .where('contactId', '=', props.contactId)
      .executeTakeFirst();
  }
  for (let hops = 0; row?.mergedIntoId && hops < 10; hops++) {
    row = await trx
      .selectFrom('conversations')
      .select([...columns])
      .where('workspaceId', '=', props.workspaceId)
      .where('id', '=', row.mergedIntoId)
      .executeTakeFirst();
  }
  return row ?? null;
}

interface MessageFields {
  kind: 'inbound' | 'outbound' | 'note';
  authorType: 'contact' | 'user' | 'bot' | 'system';
  authorId: string | null;
  channel: Channel;
  text: string;
  html: string | null;
  externalId: string | null;
  attachments: Attachment[];
  metadata: Record<string, unknown>;
  at: Date;
}

const preview = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 200);

/**
 * A new conversation with its first (customer) message and its first timeline entry, in
 * one statement: the ticket number comes from the workspace's sequence.
 */
export async function openConversation(
  trx: Tx,
  props: {
    workspaceId: string;
    channel: Channel;
    contactId: string;
    subject: string;
    language: string | null;
    followUpOfId: string | null;
    priority?: 'low' | 'normal' | 'high' | 'urgent' | undefined;
    tags?: string[] | undefined;
    customFields?: Record<string, unknown> | undefined;
    message: MessageFields;
  },
): Promise<{ id: string; number: number; message: { id: string; seq: number } }> {
  const id = uuidv7();
  const messageId = uuidv7();
  const m = props.message;
  const inbound = m.kind === 'inbound';
  const contact = contactSummarySql(props.workspaceId, props.contactId);
  const { rows } = await sql<{ number: number }>`
    with conversation as (
      insert into conversations (
        workspace_id, id, number, subject, search_text, channel, language, contact_id,
        contact_name, contact_email, contact_phone, follow_up_of_id, priority,
        tags, custom_fields, last_seq, message_count, preview, first_customer_message_at, last_customer_message_at,
        last_activity_at, created_at, updated_at)
      values (
        ${props.workspaceId}, ${id}, parley_next_ticket_number(${props.workspaceId}::uuid), ${props.subject},
        ${searchTextFor(props.subject)}, ${props.channel}, ${props.language}, ${props.contactId},
        ${contact.name}, ${contact.email}, ${contact.phone}, ${props.followUpOfId},
        ${props.priority ?? 'normal'}, ${props.tags ?? []}::text[],
        jsonb_strip_nulls(${JSON.stringify(props.customFields ?? {})}::jsonb),
        1, 1, ${preview(m.text)}, ${inbound ? m.at : null}, ${inbound ? m.at : null},
        ${m.at}, ${m.at}, now())
      returning number
    ), message as (
      insert into messages (
        workspace_id, id, conversation_id, seq, kind, author_type, author_id, channel, text, search_text, html,
        external_id, metadata, attachments, created_at)
      select ${props.workspaceId}, ${messageId}, ${id}, 1, ${m.kind}, ${m.authorType}, ${m.authorId}, ${m.channel},
             ${m.text}, ${searchTextFor(m.text)}, ${m.html}, ${m.externalId}, ${JSON.stringify(m.metadata)}::jsonb,
             ${JSON.stringify(m.attachments)}::jsonb, ${m.at}
        from conversation
    ), timeline as (
      insert into conversation_events (workspace_id, conversation_id, type, actor_type, actor_id, data)
      select ${props.workspaceId}, ${id}, 'conversation.created', ${m.authorType}, ${m.authorId},
             ${JSON.stringify({ channel: props.channel, followUpOfId: props.followUpOfId })}::jsonb
        from conversation
    )
    select number from conversation`.execute(trx);
  const number = rows[0]?.number;
  if (number === undefined) throw new Error('conversation insert returned nothing');
  return { id, number, message: { id: messageId, seq: 1 } };
}

/**
 * Appends a message in one statement: takes the next sequence number under the
 * conversation's row lock (so numbers are gap-free and ordered) and updates the
 * conversation's counters and metric timestamps.
 */
export async function appendMessage(
  trx: Tx,
  props: MessageFields & {
    workspaceId: string;
    conversationId: string;
    reopen?: boolean;
    deliveryStatus?: 'queued' | null;
  },
): Promise<{ id: string; seq: number }> {
  const inbound = props.kind === 'inbound';
  const reply = props.kind === 'outbound' && props.authorType === 'user';
  const note = props.kind === 'note';
  const reopen = props.reopen ?? false;
  const id = uuidv7();
  const { rows } = await sql<{ seq: number }>`
    with conversation as (
      update conversations set
        last_seq = last_seq + 1,
        message_count = message_count + 1,
        last_activity_at = ${props.at},
        updated_at = now(),
        preview = case when ${note} or ${props.authorType === 'system'} then preview else ${preview(props.text)} end,
        first_customer_message_at = case when ${inbound} then coalesce(first_customer_message_at, ${props.at}) else first_customer_message_at end,
        last_customer_message_at = case when ${inbound} then ${props.at} else last_customer_message_at end,
        first_response_at = case when ${reply} then coalesce(first_response_at, ${props.at}) else first_response_at end,
        last_agent_message_at = case when ${reply} then ${props.at} else last_agent_message_at end,
        -- A customer answering our question (pending) puts the ball back in our court.
        status = case when ${reopen} then 'open' when ${inbound} and status = 'pending' then 'open' else status end,
        resolved_at = case when ${reopen} then null else resolved_at end,
        reopened_count = reopened_count + case when ${reopen} then 1 else 0 end
      where workspace_id = ${props.workspaceId} and id = ${props.conversationId}
      returning last_seq
    )
    insert into messages (
      workspace_id, id, conversation_id, seq, kind, author_type, author_id, channel, text, search_text, html,
      external_id, metadata, delivery_status, attachments, created_at)
    select ${props.workspaceId}, ${id}, ${props.conversationId}, last_seq, ${props.kind}, ${props.authorType},
           ${props.authorId}, ${props.channel}, ${props.text}, ${searchTextFor(props.text)}, ${props.html}, ${props.externalId},
           ${JSON.stringify(props.metadata)}::jsonb, ${props.deliveryStatus ?? null},
           ${JSON.stringify(props.attachments)}::jsonb, ${props.at}
      from conversation
    returning seq`.execute(trx);
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error(`conversation ${props.conversationId} not found`);
  return { id, seq };
}
