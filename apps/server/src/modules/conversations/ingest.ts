import { detectLanguage } from '../triage/language.js';
import type { Attachment, Channel, ConversationStatus, Priority } from '@parley/contract';
import { MAX_SUBJECT, MAX_TEXT } from '@parley/contract';
import { sql, type RawBuilder } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { executePrepared, pgErrorCode, prepared, UNIQUE_VIOLATION } from '../../platform/db.js';
import { recordEvents, type NewEvent } from '../../platform/outbox.js';
import { contactCtes, findOrCreateContact } from '../contacts/contacts.service.js';
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
  /**
   * The conversation the channel knows this message continues (a chat visitor writing in a
   * conversation of theirs). Tried first, in one statement; when it is resolved, closed or
   * merged, is not the sender's, or the message is already stored, the usual threading
   * (`threadKeys`, `ticketNumber`) decides.
   */
  conversationId?: string;
  /**
   * The one-statement append to `conversationId` commits without waiting for the disk, so
   * agents see the message as soon as PostgreSQL has it, not after the WAL flush (an fsync
   * stall would hold every chat message behind it). The result then says `durable: false`,
   * and the caller must `awaitDurable()` before telling the sender the message was accepted.
   */
  visibleBeforeDurable?: boolean;
  subject?: string | null;
  text?: string | null;
  /** Raw HTML from outside: sanitized here, before it is stored. */
  html?: string | null;
  attachments?: Attachment[];
  /** The channel's id for this message; the same id twice gives one message. */
  externalId?: string | null;
  /** The language, when the caller knows it (an agent chose it): wins over detection. */
  languageHint?: string | null;
  /**
   * A weak hint (email's Content-Language, often the sender's mail client's language):
   * used only when the text's own language cannot be detected.
   */
  languageFallback?: string | null;
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
  /** The stored message's sequence number in its conversation; null for a duplicate. */
  seq: number | null;
  /**
   * False when the message was committed without waiting for the disk (`visibleBeforeDurable`):
   * `awaitDurable()` before acknowledging it. Absent otherwise (durable on return).
   */
  durable?: false;
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
  if (message.conversationId && !message.ownThreadKeys?.length) {
    // A concurrent delivery of the same message fails on the unique index: the full path
    // below reports it as the duplicate it is.
    const appended = await appendToKnownConversation(db, message, identity).catch(
      (error: unknown) => {
        if (pgErrorCode(error) === UNIQUE_VIOLATION) return null;
        throw error;
      },
    );
    if (appended) return appended;
  }
  if (startsNew(message)) {
    // A concurrent delivery of the same external message makes this fail on the unique
    // index; the full path below then finds it and reports the duplicate.
    const opened = await openNewConversation(db, message, identity).catch((error: unknown) => {
      if (pgErrorCode(error) === UNIQUE_VIOLATION) return null;
      throw error;
    });
    if (opened) {
      return {
        conversationId: opened.id,
        messageId: opened.messageId,
        number: opened.number,
        conversationCreated: true,
        duplicate: false,
        reopened: false,
        seq: 1,
      };
    }
  }
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
    const [existing] = await executePrepared(
      trx,
      trx
        .selectFrom('messages')
        .innerJoin('conversations', (j) =>
          j
            .onRef('conversations.workspaceId', '=', 'messages.workspaceId')
            .onRef('conversations.id', '=', 'messages.conversationId'),
        )
        .select(['messages.id', 'messages.conversationId', 'conversations.number'])
        .where('messages.workspaceId', '=', workspaceId)
        .where('messages.channel', '=', channel)
        .where('messages.externalId', '=', message.externalId),
    );
    if (existing) {
      return {
        conversationId: existing.conversationId,
        messageId: existing.id,
        number: existing.number,
        conversationCreated: false,
        duplicate: true,
        reopened: false,
        seq: null,
      };
    }
  }

  const { at, html, text, subject } = contentOf(message);
  const language = languageOf(message, subject, text);
  const contact = await findOrCreateContact(trx, {
    workspaceId,
    identity,
    name: message.from.name ?? null,
    language,
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
      language,
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
    seq: stored.seq,
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
    [row] = await executePrepared(
      trx,
      trx
        .selectFrom('conversationThreadKeys')
        .innerJoin('conversations', (j) =>
          j
            .onRef('conversations.workspaceId', '=', 'conversationThreadKeys.workspaceId')
            .onRef('conversations.id', '=', 'conversationThreadKeys.conversationId'),
        )
        .select([...columns])
        .where('conversationThreadKeys.workspaceId', '=', props.workspaceId)
        .where('conversationThreadKeys.channel', '=', props.channel)
        // An array, not an `in` list: one statement text for any number of keys.
        .where('conversationThreadKeys.key', '=', sql<string>`any(${keys.slice(0, 100)}::text[])`)
        .orderBy('conversations.createdAt', 'desc')
        .limit(1),
    );
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

interface OpenProps {
  workspaceId: string;
  channel: Channel;
  subject: string;
  language: string | null;
  followUpOfId: string | null;
  priority?: 'low' | 'normal' | 'high' | 'urgent' | undefined;
  tags?: string[] | undefined;
  customFields?: Record<string, unknown> | undefined;
  message: MessageFields;
}

/**
 * The conversation, its first message and first timeline entry as common table
 * expressions: `conversation` (returning the row as the API presents it), `message`,
 * `timeline`. The contact comes from a CTE named `contact` (id, name, email, phone) the
 * caller defines first; no contact row, nothing written.
 */
function conversationCtes(
  props: OpenProps,
  ids: { id: string; messageId: string },
  /** An extra condition on the insert (e.g. "this message is not stored yet"). */
  guard: RawBuilder<unknown> = sql``,
) {
  const m = props.message;
  const inbound = m.kind === 'inbound';
  return sql`
    conversation as (
      insert into conversations (
        workspace_id, id, number, subject, search_text, channel, language, contact_id,
        contact_name, contact_email, contact_phone, follow_up_of_id, priority,
        tags, custom_fields, last_seq, message_count, preview, first_customer_message_at, last_customer_message_at,
        last_activity_at, created_at, updated_at)
      -- INSERT … SELECT gives parameters no type from the target columns: each is cast.
      select
        ${props.workspaceId}::uuid, ${ids.id}::uuid, parley_next_ticket_number(${props.workspaceId}::uuid),
        ${props.subject}::text, ${searchTextFor(props.subject)}::text, ${props.channel}::text,
        ${props.language}::text, contact.id, contact.name, contact.email, contact.phone,
        ${props.followUpOfId}::uuid, ${props.priority ?? 'normal'}::text, ${props.tags ?? []}::text[],
        jsonb_strip_nulls(${JSON.stringify(props.customFields ?? {})}::jsonb),
        1, 1, ${preview(m.text)}::text, ${inbound ? m.at : null}::timestamptz,
        ${inbound ? m.at : null}::timestamptz, ${m.at}::timestamptz, ${m.at}::timestamptz, now()
        from contact ${guard}
      returning id, number, subject, status, priority, channel, language, category, tags, custom_fields,
                contact_id, team_id, assignee_id, required_skills, follow_up_of_id, merged_into_id, message_count, preview,
                last_activity_at, first_customer_message_at, first_response_at, resolved_at, closed_at,
                reopened_count, created_at, updated_at,
                contact_name, contact_email, contact_phone, sla_policy_id, sla_due_at, sla_breached_at,
                first_response_due_at, next_response_due_at, resolution_due_at
    ), message as (
      insert into messages (
        workspace_id, id, conversation_id, seq, kind, author_type, author_id, channel, text, search_text, html,
        external_id, metadata, attachments, created_at)
      select ${props.workspaceId}::uuid, ${ids.messageId}::uuid, ${ids.id}::uuid, 1, ${m.kind}::text,
             ${m.authorType}::text,
             coalesce(${m.authorId}::uuid, case when ${m.authorType}::text = 'contact' then conversation.contact_id end),
             ${m.channel}::text, ${m.text}::text, ${searchTextFor(m.text)}::text, ${m.html}::text,
             ${m.externalId}::text, ${JSON.stringify(m.metadata)}::jsonb,
             ${JSON.stringify(m.attachments)}::jsonb, ${m.at}::timestamptz
        from conversation
    ), timeline as (
      insert into conversation_events (workspace_id, conversation_id, type, actor_type, actor_id, data)
      select ${props.workspaceId}::uuid, ${ids.id}::uuid, 'conversation.created', ${m.authorType}::text,
             coalesce(${m.authorId}::uuid, case when ${m.authorType}::text = 'contact' then conversation.contact_id end),
             ${JSON.stringify({ channel: props.channel, followUpOfId: props.followUpOfId })}::jsonb
        from conversation
    )`;
}

/**
 * A new conversation with its first (customer) message and its first timeline entry, in
 * one statement: the ticket number comes from the workspace's sequence.
 */
export async function openConversation(
  trx: Tx,
  props: OpenProps & { contactId: string },
): Promise<{ id: string; number: number; message: { id: string; seq: number } }> {
  const id = uuidv7();
  const messageId = uuidv7();
  const contact = contactSummarySql(props.workspaceId, props.contactId);
  const { rows } = await sql<{ number: number }>`
    with contact as (
      select ${props.contactId}::uuid as id, ${contact.name} as name, ${contact.email} as email,
             ${contact.phone} as phone
    ), ${conversationCtes(props, { id, messageId })}
    select number from conversation`.execute(trx);
  const number = rows[0]?.number;
  if (number === undefined) throw new Error('conversation insert returned nothing');
  return { id, number, message: { id: messageId, seq: 1 } };
}

/** A conversation row as `openNewConversation` returns it (the columns the API presents). */
export interface OpenedConversationRow {
  id: string;
  number: number;
  subject: string;
  status: ConversationStatus;
  priority: Priority;
  channel: Channel;
  language: string | null;
  category: string | null;
  tags: string[];
  customFields: Record<string, unknown>;
  contactId: string;
  teamId: string | null;
  assigneeId: string | null;
  requiredSkills: string[];
  followUpOfId: string | null;
  mergedIntoId: string | null;
  messageCount: number;
  preview: string;
  lastActivityAt: Date;
  firstCustomerMessageAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  reopenedCount: number;
  slaPolicyId: string | null;
  slaDueAt: Date | null;
  slaBreachedAt: Date | null;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  ticketPrefix: string;
  messageId: string;
}

/** What is stored of a message: HTML sanitized, text (from the HTML if need be) and subject bounded. */
/**
 * The conversation's language: the caller's word (an agent chose it), else what the text
 * itself is written in, else the channel's weak hint.
 */
function languageOf(message: InboundMessage, subject: string, text: string | null): string | null {
  return (
    message.languageHint ??
    detectLanguage([subject, text].filter(Boolean).join('\n'))?.language ??
    message.languageFallback ??
    null
  );
}

function contentOf(message: InboundMessage) {
  const html = message.html ? sanitize(message.html) : null;
  return {
    at: message.receivedAt ?? new Date(),
    html,
    text: (message.text ?? (html ? htmlToText(html) : '')).slice(0, MAX_TEXT),
    subject: (message.subject ?? '').trim().slice(0, MAX_SUBJECT),
  };
}

/** A message that cannot continue any conversation: no thread keys, no quoted number. */
function startsNew(message: InboundMessage): boolean {
  return !message.threadKeys?.length && message.ticketNumber === undefined;
}

/**
 * The new-conversation path in ONE statement, so one round trip and no explicit
 * transaction: find-or-create the contact, the conversation, its first message and
 * timeline entry, and the outbox events. Returns null when another transaction was
 * creating the same new contact at that moment (the caller then takes the full path).
 */
export async function openNewConversation(
  db: Db,
  message: InboundMessage,
  identity: Identity,
): Promise<OpenedConversationRow | null> {
  const { workspaceId, channel } = message;
  const ids = { id: uuidv7(), messageId: uuidv7() };
  const newContactId = uuidv7();
  const { at, html, text, subject } = contentOf(message);
  const language = languageOf(message, subject, text);
  const automated = message.automated ?? false;
  const props: OpenProps = {
    workspaceId,
    channel,
    subject,
    language,
    followUpOfId: null,
    priority: message.priority,
    tags: message.tags,
    customFields: message.customFields,
    message: {
      kind: 'inbound',
      authorType: 'contact',
      authorId: null,
      channel,
      text,
      html,
      externalId: message.externalId ?? null,
      attachments: message.attachments ?? [],
      metadata: message.metadata ?? {},
      at,
    },
  };
  const externalId = message.externalId ?? null;
  const keys = [...new Set(message.ownThreadKeys ?? [])];
  // Already stored (the same channel message again): write nothing, the full path reports it.
  const guard = externalId
    ? sql`where not exists (select 1 from messages m where m.workspace_id = ${workspaceId}::uuid
            and m.channel = ${channel}::text and m.external_id = ${externalId}::text)`
    : sql``;
  const lookup = {
    workspaceId,
    identity,
    name: message.from.name ?? null,
    language,
  };
  const { rows } = await prepared(sql<Omit<OpenedConversationRow, 'messageId'>>`
    with ${contactCtes(lookup, newContactId)}, ${conversationCtes(props, ids, guard)}, thread_keys as (
      insert into conversation_thread_keys (workspace_id, channel, key, conversation_id)
      select ${workspaceId}::uuid, ${channel}::text, k, id from conversation, unnest(${keys}::text[]) k
      on conflict do nothing
    ), events as (
      insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
      select ${workspaceId}::uuid, 'conversation', ${ids.id}::text, 'conversation.created',
             jsonb_build_object('number', number, 'channel', ${channel}::text, 'contactId', contact_id,
                                'followUpOfId', null, 'automated', ${automated}::boolean),
             true
        from conversation
      union all
      select ${workspaceId}::uuid, 'conversation', ${ids.id}::text, 'message.created',
             ${JSON.stringify({ messageId: ids.messageId, seq: 1, kind: 'inbound', automated })}::jsonb, true
        from conversation
      returning 1
    )
    select c.*, w.ticket_prefix,
           (select count(*) from (select pg_notify('parley_outbox', '') from events limit 1) n) as notified
      from conversation c join workspaces w on w.id = ${workspaceId}::uuid`).execute(db);
  const row = rows[0];
  if (row) return { ...row, messageId: ids.messageId };
  // Lost the race to create this sender's contact: drop ours (it has no identity).
  await db
    .deleteFrom('contacts')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', newContactId)
    .where(
      sql<boolean>`not exists (select 1 from contact_identities i
                                where i.workspace_id = ${workspaceId} and i.contact_id = ${newContactId})`,
    )
    .execute();
  return null;
}

type AppendProps = MessageFields & {
  workspaceId: string;
  conversationId: string;
  reopen?: boolean;
  deliveryStatus?: 'queued' | 'sent' | null;
};

/**
 * Appending a message as common table expressions: `conversation` takes the next sequence
 * number under the conversation's row lock (so numbers are gap-free and ordered) and
 * updates its counters and metric timestamps; `message` inserts the message. `guard` adds
 * conditions on the conversation row: when they fail, nothing is written.
 */
function appendCtes(props: AppendProps, id: string, guard: RawBuilder<unknown> = sql``) {
  const inbound = props.kind === 'inbound';
  const reply = props.kind === 'outbound' && props.authorType === 'user';
  const note = props.kind === 'note';
  const reopen = props.reopen ?? false;
  return sql`
    conversation as (
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
      where workspace_id = ${props.workspaceId} and id = ${props.conversationId} ${guard}
      returning last_seq, contact_id, number
    ), message as (
      insert into messages (
        workspace_id, id, conversation_id, seq, kind, author_type, author_id, channel, text, search_text, html,
        external_id, metadata, delivery_status, attachments, created_at)
      select ${props.workspaceId}::uuid, ${id}::uuid, ${props.conversationId}::uuid, last_seq, ${props.kind}::text,
             ${props.authorType}::text,
             coalesce(${props.authorId}::uuid, case when ${props.authorType}::text = 'contact' then contact_id end),
             ${props.channel}::text, ${props.text}::text, ${searchTextFor(props.text)}::text, ${props.html}::text,
             ${props.externalId}::text, ${JSON.stringify(props.metadata)}::jsonb, ${props.deliveryStatus ?? null}::text,
             ${JSON.stringify(props.attachments)}::jsonb, ${props.at}::timestamptz
        from conversation
      returning seq
    )`;
}

/**
 * The continuing path in ONE statement (no explicit transaction): a customer message
 * appended to the conversation the channel named, with its outbox event, when that
 * conversation is still going (not resolved, closed or merged), belongs to the sender and
 * does not hold this message yet. Returns null otherwise: the full path decides.
 */
async function appendToKnownConversation(
  db: Db,
  message: InboundMessage,
  identity: Identity,
): Promise<IngestResult | null> {
  const { workspaceId, channel } = message;
  const conversationId = message.conversationId ?? '';
  const { at, html, text } = contentOf(message);
  const externalId = message.externalId ?? null;
  const automated = message.automated ?? false;
  const deferred = message.visibleBeforeDurable ?? false;
  const id = uuidv7();
  const guard = sql`
    and status not in ('resolved', 'closed') and merged_into_id is null
    and contact_id = (select i.contact_id from contact_identities i
                       where i.workspace_id = ${workspaceId}::uuid and i.kind = ${identity.kind}::text
                         and i.value = ${identity.value}::text)
    and not exists (select 1 from messages m where m.workspace_id = ${workspaceId}::uuid
                       and m.channel = ${channel}::text and m.external_id = ${externalId}::text)`;
  const props: AppendProps = {
    workspaceId,
    conversationId,
    kind: 'inbound',
    authorType: 'contact',
    authorId: null,
    channel,
    text,
    html,
    externalId,
    attachments: message.attachments ?? [],
    metadata: message.metadata ?? {},
    at,
  };
  const { rows } = await prepared(sql<{ seq: number; number: number }>`
    with ${appendCtes(props, id, guard)}, events as (
      insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
      select ${workspaceId}::uuid, 'conversation', ${conversationId}::text, 'message.created',
             jsonb_build_object('messageId', ${id}::text, 'seq', seq, 'kind', 'inbound',
                                'automated', ${automated}::boolean),
             true
        from message
      returning 1
    )
    select m.seq, c.number,
           (select count(*) from (select pg_notify('parley_outbox', '') from events limit 1) n) as notified${
             deferred
               ? // Local to this statement's own transaction: its commit skips the WAL flush.
                 sql`,
           set_config('synchronous_commit', 'off', true) as deferred`
               : sql``
           }
      from message m, conversation c`).execute(db);
  const row = rows[0];
  if (!row) return null;
  return {
    conversationId,
    messageId: id,
    number: row.number,
    conversationCreated: false,
    duplicate: false,
    reopened: false,
    seq: row.seq,
    ...(deferred ? { durable: false as const } : {}),
  };
}

/** Appends a message to a conversation in one statement (see `appendCtes`). */
export async function appendMessage(
  trx: Tx,
  props: AppendProps,
): Promise<{ id: string; seq: number }> {
  const id = uuidv7();
  const { rows } = await prepared(
    sql<{ seq: number }>`with ${appendCtes(props, id)} select seq from message`,
  ).execute(trx);
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error(`conversation ${props.conversationId} not found`);
  return { id, seq };
}
