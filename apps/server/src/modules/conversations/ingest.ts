import type { Attachment, Channel } from '@parley/contract';
import { MAX_SUBJECT, MAX_TEXT } from '@parley/contract';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { recordEvents, type NewEvent } from '../../platform/outbox.js';
import { findOrCreateContact } from '../contacts/contacts.service.js';
import { normalizeIdentity, type Identity } from '../contacts/identities.js';
import { htmlToText, sanitize } from './sanitize.js';

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

/** A resolved conversation reopens on a customer reply within this window; later, a follow-up starts. */
export const REOPEN_WINDOW_DAYS = 7;

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
  let conversation: { id: string; number: number };
  let conversationCreated = false;
  let reopened = false;
  const events: NewEvent[] = [];
  const timeline: { type: string; data: Record<string, unknown> }[] = [];

  const reopenable =
    found?.status === 'resolved' &&
    found.resolvedAt !== null &&
    at.getTime() - found.resolvedAt.getTime() <= REOPEN_WINDOW_DAYS * 86_400_000;
  if (found && found.status !== 'closed' && (found.status !== 'resolved' || reopenable)) {
    conversation = found;
    reopened = found.status === 'resolved';
  } else {
    conversation = await createConversation(trx, {
      workspaceId,
      channel,
      contactId: contact.id,
      subject: subject || (found ? `Re: ${found.subject}` : ''),
      language: message.languageHint ?? null,
      followUpOfId: found?.id ?? null,
      at,
    });
    conversationCreated = true;
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
    timeline.push({
      type: 'conversation.created',
      data: { channel, followUpOfId: found?.id ?? null },
    });
  }

  const stored = await appendMessage(trx, {
    workspaceId,
    conversationId: conversation.id,
    kind: 'inbound',
    authorType: 'contact',
    authorId: contact.id,
    channel,
    text,
    html,
    externalId: message.externalId ?? null,
    attachments: message.attachments ?? [],
    metadata: message.metadata ?? {},
    at,
    reopen: reopened,
  });
  if (reopened) timeline.push({ type: 'conversation.reopened', data: { by: 'customer' } });

  if (message.ownThreadKeys?.length || message.threadKeys?.length) {
    const keys = [...new Set([...(message.ownThreadKeys ?? [])])];
    if (keys.length > 0) {
      await trx
        .insertInto('conversationThreadKeys')
        .values(keys.map((key) => ({ workspaceId, channel, key, conversationId: conversation.id })))
        .onConflict((oc) => oc.columns(['workspaceId', 'channel', 'key']).doNothing())
        .execute();
    }
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
  if (timeline.length > 0) {
    await trx
      .insertInto('conversationEvents')
      .values(
        timeline.map((e) => ({
          workspaceId,
          conversationId: conversation.id,
          type: e.type,
          actorType: 'contact' as const,
          actorId: contact.id,
          data: JSON.stringify(e.data),
        })),
      )
      .execute();
  }
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

export async function createConversation(
  trx: Tx,
  props: {
    workspaceId: string;
    channel: Channel;
    contactId: string;
    subject: string;
    language: string | null;
    followUpOfId: string | null;
    at: Date;
    priority?: 'low' | 'normal' | 'high' | 'urgent';
    tags?: string[];
  },
): Promise<{ id: string; number: number }> {
  const id = uuidv7();
  const row = await trx
    .insertInto('conversations')
    .values({
      workspaceId: props.workspaceId,
      id,
      number: sql<number>`parley_next_ticket_number(${props.workspaceId}::uuid)`,
      subject: props.subject,
      channel: props.channel,
      language: props.language,
      category: null,
      contactId: props.contactId,
      teamId: null,
      assigneeId: null,
      followUpOfId: props.followUpOfId,
      mergedIntoId: null,
      firstCustomerMessageAt: null,
      lastCustomerMessageAt: null,
      firstResponseAt: null,
      lastAgentMessageAt: null,
      resolvedAt: null,
      closedAt: null,
      ...(props.priority ? { priority: props.priority } : {}),
      ...(props.tags ? { tags: props.tags } : {}),
      createdAt: props.at,
    })
    .returning(['id', 'number'])
    .executeTakeFirstOrThrow();
  return row;
}

/**
 * Appends a message: takes the next sequence number under the conversation's row lock
 * (so sequence numbers are gap-free and ordered) and updates the conversation's
 * counters and metric timestamps.
 */
export async function appendMessage(
  trx: Tx,
  props: {
    workspaceId: string;
    conversationId: string;
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
    reopen?: boolean;
    deliveryStatus?: 'queued' | null;
  },
): Promise<{ id: string; seq: number }> {
  const inbound = props.kind === 'inbound';
  const reply = props.kind === 'outbound' && props.authorType === 'user';
  const preview =
    props.kind === 'note' ? undefined : props.text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const updated = await trx
    .updateTable('conversations')
    .set((eb) => ({
      lastSeq: eb('lastSeq', '+', 1),
      messageCount: eb('messageCount', '+', 1),
      lastActivityAt: props.at,
      updatedAt: new Date(),
      ...(preview !== undefined ? { preview } : {}),
      ...(inbound
        ? {
            firstCustomerMessageAt: sql<Date>`coalesce(first_customer_message_at, ${props.at})`,
            lastCustomerMessageAt: props.at,
          }
        : {}),
      ...(reply
        ? {
            firstResponseAt: sql<Date>`coalesce(first_response_at, ${props.at})`,
            lastAgentMessageAt: props.at,
          }
        : {}),
      ...(props.reopen
        ? { status: 'open' as const, resolvedAt: null, reopenedCount: eb('reopenedCount', '+', 1) }
        : {}),
      // A customer answering a question we asked (pending) puts the ball back in our court.
      ...(inbound && !props.reopen
        ? { status: sql<'open'>`case when status = 'pending' then 'open' else status end` }
        : {}),
    }))
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.conversationId)
    .returning(['lastSeq'])
    .executeTakeFirstOrThrow();
  const id = uuidv7();
  await trx
    .insertInto('messages')
    .values({
      workspaceId: props.workspaceId,
      id,
      conversationId: props.conversationId,
      seq: updated.lastSeq,
      kind: props.kind,
      authorType: props.authorType,
      authorId: props.authorId,
      channel: props.channel,
      text: props.text,
      html: props.html,
      externalId: props.externalId,
      metadata: JSON.stringify(props.metadata),
      deliveryStatus: props.deliveryStatus ?? null,
      attachments: JSON.stringify(props.attachments),
      createdAt: props.at,
    })
    .execute();
  return { id, seq: updated.lastSeq };
}
