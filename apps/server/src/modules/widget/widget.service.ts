import type {
  Attachment,
  OfflineBody,
  OfflineResult,
  VisitorConversation,
  VisitorCreateBody,
  VisitorMessage,
  VisitorMessageBody,
  VisitorMessageResult,
  VisitorSession,
  WidgetConfig,
  WidgetSettings,
  WidgetSettingsUpdate,
} from '@parley/contract';
import { sql } from 'kysely';
import { MAX_TEXT } from '@parley/contract';
import type { Services } from '../../context.js';
import type { Db, Tx } from '../../database.js';
import { decrypt, encrypt, randomToken, workspaceKey } from '../../platform/crypto.js';
import { awaitDurable, executePrepared } from '../../platform/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvents, type NewEvent } from '../../platform/outbox.js';
import { availableNowSql } from '../availability/availability.sql.js';
import { messagesWithAuthors } from '../conversations/conversations.service.js';
import { ingest } from '../conversations/ingest.js';
import {
  fileSignature,
  newVisitorKey,
  readUploadToken,
  verifiedVisitorKey,
  readVisitorToken,
  verifyUserHash,
  visitorToken,
  type Visitor,
} from './visitors.js';

/** Limits on the public widget endpoints, per client address. */
export const widgetLimits = {
  visitorsPerIp: { points: 30, windowSeconds: 3600 },
  messagesPerIp: { points: 120, windowSeconds: 60 },
  offlinePerIp: { points: 10, windowSeconds: 3600 },
};

type SettingsRow = Awaited<ReturnType<typeof settingsRow>>;

async function settingsRow(db: Db | Tx, workspaceId: string) {
  await db
    .insertInto('widgetSettings')
    .values({ workspaceId, publicKey: `pk_${randomToken(18)}` })
    .onConflict((oc) => oc.column('workspaceId').doNothing())
    .execute();
  return db
    .selectFrom('widgetSettings')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .executeTakeFirstOrThrow();
}

function presentSettings(row: SettingsRow): WidgetSettings {
  return {
    publicKey: row.publicKey,
    enabled: row.enabled,
    title: row.title,
    color: row.color,
    greeting: row.greeting,
    prechat: row.prechat,
    teamId: row.teamId,
    identityVerification: row.identitySecretSealed !== null,
  };
}

/** The workspace's widget settings (made with a new public key on first use). */
export async function getWidgetSettings(db: Db, workspaceId: string): Promise<WidgetSettings> {
  return presentSettings(await settingsRow(db, workspaceId));
}

export async function updateWidgetSettings(props: {
  db: Db;
  actor: Actor;
  body: WidgetSettingsUpdate;
}): Promise<WidgetSettings> {
  const { actor, body } = props;
  return props.db.transaction().execute(async (trx) => {
    await settingsRow(trx, actor.workspaceId);
    if (body.teamId) {
      const team = await trx
        .selectFrom('teams')
        .select('id')
        .where('workspaceId', '=', actor.workspaceId)
        .where('id', '=', body.teamId)
        .executeTakeFirst();
      if (!team) throw notFound('The team', 'team_not_found');
    }
    if (body.prechat) {
      const unasked = body.prechat.required.filter((f) => !body.prechat?.fields.includes(f));
      if (unasked.length > 0)
        throw new AppError('validation_failed', 'A required field must also be asked for', {
          details: { field: 'body.prechat.required', fields: unasked },
        });
    }
    const row = await trx
      .updateTable('widgetSettings')
      .set({
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.color !== undefined ? { color: body.color } : {}),
        ...(body.greeting !== undefined ? { greeting: JSON.stringify(body.greeting) } : {}),
        ...(body.prechat !== undefined ? { prechat: JSON.stringify(body.prechat) } : {}),
        ...(body.teamId !== undefined ? { teamId: body.teamId } : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return presentSettings(row);
  });
}

/** A new identity-verification secret (the old one stops working). Shown once. */
export async function rotateIdentitySecret(props: {
  db: Db;
  secretKey: string;
  actor: Actor;
}): Promise<{ secret: string }> {
  const secret = randomToken(32);
  await settingsRow(props.db, props.actor.workspaceId);
  await props.db
    .updateTable('widgetSettings')
    .set({
      identitySecretSealed: encrypt(workspaceKey(props.secretKey, props.actor.workspaceId), secret),
      updatedAt: new Date(),
    })
    .where('workspaceId', '=', props.actor.workspaceId)
    .execute();
  return { secret };
}

/** The settings behind a public key, or 404 `widget_not_found` (also when switched off). */
async function byPublicKey(db: Db, publicKey: string): Promise<SettingsRow> {
  const row = await db
    .selectFrom('widgetSettings')
    .selectAll()
    .where('publicKey', '=', publicKey)
    .executeTakeFirst();
  if (!row?.enabled) throw notFound('The chat widget', 'widget_not_found');
  return row;
}

/** Is anyone who could answer available right now (the widget's team, else anyone)? */
async function someoneAvailable(db: Db, row: SettingsRow): Promise<boolean> {
  const found = await sql<{ one: number }>`
    select 1 as one
      from agents a
      join users u on u.workspace_id = a.workspace_id and u.id = a.user_id and u.status = 'active'
     where a.workspace_id = ${row.workspaceId}
       and u.role <> 'collaborator'
       and (${row.teamId}::uuid is null or exists (
             select 1 from team_members m
              where m.workspace_id = a.workspace_id and m.team_id = ${row.teamId}::uuid
                and m.user_id = a.user_id))
       and ${availableNowSql()}
     limit 1`.execute(db);
  return found.rows.length > 0;
}

export async function widgetConfig(db: Db, publicKey: string): Promise<WidgetConfig> {
  const row = await byPublicKey(db, publicKey);
  return {
    title: row.title,
    color: row.color,
    greeting: row.greeting,
    prechat: row.prechat,
    online: await someoneAvailable(db, row),
  };
}

/**
 * A visitor token: anonymous (a fresh random key), or — when the host page passes a user id
 * with a valid `userHash` — bound to that user, so their history follows them across
 * devices. A wrong hash is refused (401); without one, nothing earlier is ever revealed.
 */
export async function createVisitor(props: {
  db: Db;
  secretKey: string;
  publicKey: string;
  body: VisitorCreateBody;
}): Promise<VisitorSession> {
  const row = await byPublicKey(props.db, props.publicKey);
  const { userId, userHash } = props.body;
  if (userId !== undefined || userHash !== undefined) {
    const secret = row.identitySecretSealed
      ? decrypt(workspaceKey(props.secretKey, row.workspaceId), row.identitySecretSealed)
      : null;
    if (!secret || !userId || !userHash || !verifyUserHash(secret, userId, userHash))
      throw new AppError('user_hash_invalid', 'The signed user id does not verify');
    return {
      visitorToken: visitorToken(props.secretKey, row.workspaceId, verifiedVisitorKey(userId)),
      verified: true,
    };
  }
  return {
    visitorToken: visitorToken(props.secretKey, row.workspaceId, newVisitorKey()),
    verified: false,
  };
}

export function visitorOf(secretKey: string, bearer: string | undefined): Visitor {
  const visitor = bearer ? readVisitorToken(secretKey, bearer) : null;
  if (!visitor) throw new AppError('visitor_token_invalid', 'The visitor token is not valid');
  return visitor;
}

/** The visitor's contact, once they have written (null before). */
export async function visitorContact(db: Db | Tx, visitor: Visitor) {
  return db
    .selectFrom('contactIdentities as i')
    .innerJoin('contacts as c', (j) =>
      j.onRef('c.workspaceId', '=', 'i.workspaceId').onRef('c.id', '=', 'i.contactId'),
    )
    .select(['c.id', 'c.name'])
    .where('i.workspaceId', '=', visitor.workspaceId)
    .where('i.kind', '=', 'chat')
    .where('i.value', '=', visitor.key)
    .executeTakeFirst();
}

/** A conversation of this visitor's, or 404 (another visitor's looks exactly like none). */
export async function visitorConversation(db: Db | Tx, visitor: Visitor, conversationId: string) {
  const [row] = await executePrepared(
    db,
    db
      .selectFrom('conversations as c')
      .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
      .innerJoin('contactIdentities as i', (j) =>
        j.onRef('i.workspaceId', '=', 'c.workspaceId').onRef('i.contactId', '=', 'c.contactId'),
      )
      .select(['c.id', 'c.number', 'c.status', 'c.contactId', 'w.ticketPrefix'])
      .where('c.workspaceId', '=', visitor.workspaceId)
      .where('c.id', '=', conversationId)
      .where('i.kind', '=', 'chat')
      .where('i.value', '=', visitor.key),
  );
  if (!row) throw notFound('The conversation', 'conversation_not_found');
  return row;
}

interface MessageRow {
  id: string;
  conversationId: string;
  seq: number;
  kind: string;
  authorType: string;
  authorName: string | null;
  text: string;
  attachments: Attachment[];
  deliveryStatus: string | null;
  createdAt: Date;
}

/** A message as the visitor sees it; `workspaceId` and `secretKey` sign the file links. */
export function presentVisitorMessage(
  row: MessageRow,
  sign: { secretKey: string; workspaceId: string },
): VisitorMessage {
  return {
    id: row.id,
    seq: row.seq,
    from: row.kind === 'inbound' ? 'visitor' : row.authorType === 'user' ? 'agent' : 'bot',
    authorName: row.kind === 'inbound' ? null : row.authorName,
    text: row.text,
    attachments: row.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      url: `/api/v1/widget/files/${sign.workspaceId}/${row.conversationId}/${a.blobKey}/${fileSignature(
        sign.secretKey,
        sign.workspaceId,
        row.conversationId,
        a.blobKey,
      )}`,
    })),
    deliveryStatus: row.deliveryStatus,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Messages a visitor may see (never notes), with agents' names. */
export function visitorMessagesQuery(db: Db | Tx, workspaceId: string) {
  return messagesWithAuthors(db)
    .select([
      'm.id',
      'm.conversationId',
      'm.seq',
      'm.kind',
      'm.authorType',
      'u.name as authorName',
      'm.text',
      'm.attachments',
      'm.deliveryStatus',
      'm.createdAt',
    ])
    .where('m.workspaceId', '=', workspaceId)
    .where('m.kind', '<>', 'note');
}

/** The visitor's conversations, newest first, each with its last 100 visible messages. */
export async function visitorConversations(
  db: Db,
  secretKey: string,
  visitor: Visitor,
): Promise<VisitorConversation[]> {
  const sign = { secretKey, workspaceId: visitor.workspaceId };
  const contact = await visitorContact(db, visitor);
  if (!contact) return [];
  const conversations = await db
    .selectFrom('conversations as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
    .select(['c.id', 'c.number', 'c.status', 'w.ticketPrefix'])
    .where('c.workspaceId', '=', visitor.workspaceId)
    .where('c.contactId', '=', contact.id)
    .where('c.mergedIntoId', 'is', null)
    .orderBy('c.createdAt', 'desc')
    .limit(20)
    .execute();
  const result: VisitorConversation[] = [];
  for (const c of conversations) {
    const rows = await visitorMessagesQuery(db, visitor.workspaceId)
      .where('m.conversationId', '=', c.id)
      .orderBy('m.seq', 'desc')
      .limit(100)
      .execute();
    result.push({
      id: c.id,
      displayNumber: `${c.ticketPrefix}${c.number}`,
      status: c.status,
      messages: rows.reverse().map((row) => presentVisitorMessage(row, sign)),
    });
  }
  return result;
}

/**
 * A visitor's message, through `ingest()` like every channel: in their conversation when
 * they name one (it must be theirs), else a new one. `clientMessageId` makes a resend (a
 * lost acknowledgement, a reconnect) land once. Pre-chat answers go with the first
 * message's metadata; the name becomes the contact's, an email or phone only an unverified
 * attribute — typing an address never joins anyone's existing history.
 */
export async function sendVisitorMessage(props: {
  services: Services;
  visitor: Visitor;
  body: VisitorMessageBody;
}): Promise<VisitorMessageResult> {
  const { visitor, body } = props;
  const { db } = props.services;
  const known = body.conversationId
    ? await visitorConversation(db, visitor, body.conversationId)
    : undefined;
  const prechat = body.prechat;
  const attachments: Attachment[] = (body.attachments ?? []).map((token, i) => {
    const upload = readUploadToken(props.services.config.secretKey, visitor, token);
    if (!upload)
      throw new AppError('validation_failed', 'An attachment was not uploaded by this visitor', {
        details: { field: `body.attachments.${String(i)}` },
      });
    return upload;
  });
  if (!body.text.trim() && attachments.length === 0)
    throw new AppError('validation_failed', 'Write something or attach a file', {
      details: { field: 'body.text' },
    });
  const receivedAt = new Date();
  const result = await ingest(db, {
    workspaceId: visitor.workspaceId,
    channel: 'chat',
    from: { kind: 'chat', value: visitor.key, name: prechat?.name ?? null },
    // Agents see a message in a known conversation before the disk has it; the visitor's
    // acknowledgement below waits until it has.
    ...(known
      ? { conversationId: known.id, ticketNumber: known.number, visibleBeforeDurable: true }
      : {}),
    receivedAt,
    subject:
      prechat?.topic ??
      (body.text.replace(/\s+/g, ' ').trim().slice(0, 80) || attachments[0]?.filename || ''),
    text: body.text,
    attachments,
    externalId: `${visitor.key}:${body.clientMessageId}`,
    languageFallback: body.locale ?? null,
    metadata: prechat ? { prechat } : {},
  });
  if (result.durable === false) await awaitDurable(db);
  if (result.conversationCreated && prechat && (prechat.email || prechat.phone)) {
    // Shown to agents in the customer panel; never used to find other conversations.
    await sql`
      update contacts
         set attributes = attributes || ${JSON.stringify({
           ...(prechat.email ? { unverifiedEmail: prechat.email } : {}),
           ...(prechat.phone ? { unverifiedPhone: prechat.phone } : {}),
         })}::jsonb
       where workspace_id = ${visitor.workspaceId}
         and id = (select contact_id from conversations
                    where workspace_id = ${visitor.workspaceId} and id = ${result.conversationId})`.execute(
      db,
    );
  }
  // What was just stored is known here; only a duplicate is read back (it may differ).
  const row: MessageRow =
    result.seq === null
      ? await visitorMessagesQuery(db, visitor.workspaceId)
          .where('m.id', '=', result.messageId)
          .executeTakeFirstOrThrow()
      : {
          id: result.messageId,
          conversationId: result.conversationId,
          seq: result.seq,
          kind: 'inbound',
          authorType: 'contact',
          authorName: null,
          text: body.text.slice(0, MAX_TEXT),
          attachments,
          deliveryStatus: null,
          createdAt: receivedAt,
        };
  const ticketPrefix =
    known && result.conversationId === known.id
      ? known.ticketPrefix
      : (
          await db
            .selectFrom('workspaces')
            .select('ticketPrefix')
            .where('id', '=', visitor.workspaceId)
            .executeTakeFirstOrThrow()
        ).ticketPrefix;
  return {
    conversationId: result.conversationId,
    displayNumber: `${ticketPrefix}${result.number}`,
    message: presentVisitorMessage(row, {
      secretKey: props.services.config.secretKey,
      workspaceId: visitor.workspaceId,
    }),
    duplicate: result.duplicate,
  };
}

/**
 * Nobody is available: the offline form becomes a ticket (`message`), or a callback
 * request (`callback`: a phone conversation tagged `callback`, the preferred time in its
 * first message) that agents see in their inbox as a task to call back.
 */
export async function offlineRequest(props: {
  services: Services;
  publicKey: string;
  body: OfflineBody;
}): Promise<OfflineResult> {
  const { body } = props;
  const { db } = props.services;
  const row = await byPublicKey(db, props.publicKey);
  const callback = body.kind === 'callback';
  if (callback ? !body.phone : !body.email)
    throw new AppError(
      'validation_failed',
      callback ? 'A callback needs a phone number' : 'An offline message needs an email address',
      { details: { field: callback ? 'body.phone' : 'body.email' } },
    );
  if (!callback && !body.text?.trim())
    throw new AppError('validation_failed', 'Write a message', { details: { field: 'body.text' } });
  const when = body.preferredTime ? new Date(body.preferredTime) : null;
  const text = callback
    ? [
        `Callback requested: ${body.phone ?? ''}`,
        when ? `Preferred time: ${when.toISOString()}` : 'Preferred time: any',
        body.text?.trim() ?? '',
      ]
        .filter(Boolean)
        .join('\n')
    : (body.text ?? '');
  const result = await ingest(db, {
    workspaceId: row.workspaceId,
    channel: callback ? 'phone' : 'webform',
    from: callback
      ? { kind: 'phone', value: body.phone ?? '', name: body.name }
      : { kind: 'email', value: body.email ?? '', name: body.name },
    subject: callback ? `Callback: ${body.name}` : text.replace(/\s+/g, ' ').trim().slice(0, 80),
    text,
    externalId: `offline:${body.clientMessageId}`,
    languageFallback: body.locale ?? null,
    ...(callback ? { tags: ['callback'], priority: 'high' as const } : {}),
    metadata: {
      offlineForm: {
        kind: body.kind,
        ...(body.email ? { email: body.email } : {}),
        ...(body.phone ? { phone: body.phone } : {}),
        ...(when ? { preferredTime: when.toISOString() } : {}),
      },
    },
  });
  const workspace = await db
    .selectFrom('workspaces')
    .select('ticketPrefix')
    .where('id', '=', row.workspaceId)
    .executeTakeFirstOrThrow();
  return {
    conversationId: result.conversationId,
    displayNumber: `${workspace.ticketPrefix}${result.number}`,
  };
}

/**
 * The widget received (`read: false`) or showed (`read: true`) the agent's messages up to
 * `seq`: their delivery status moves forward (queued/sent → delivered → read), never back,
 * with a `message.delivery_changed` event each so agents see it.
 */
export async function markVisitorSeen(props: {
  db: Db;
  visitor: Visitor;
  conversationId: string;
  seq: number;
  read: boolean;
}): Promise<number> {
  const { visitor } = props;
  return props.db.transaction().execute(async (trx) => {
    await visitorConversation(trx, visitor, props.conversationId);
    const from = props.read
      ? (['queued', 'sent', 'delivered'] as const)
      : (['queued', 'sent'] as const);
    const to = props.read ? ('read' as const) : ('delivered' as const);
    const changed = await trx
      .updateTable('messages')
      .set({ deliveryStatus: to })
      .where('workspaceId', '=', visitor.workspaceId)
      .where('conversationId', '=', props.conversationId)
      .where('kind', '=', 'outbound')
      .where('channel', '=', 'chat')
      .where('seq', '<=', props.seq)
      .where('deliveryStatus', 'in', from)
      .returning(['id', 'seq'])
      .execute();
    const events: NewEvent[] = changed.map((m) => ({
      workspaceId: visitor.workspaceId,
      aggregateType: 'conversation',
      aggregateId: props.conversationId,
      type: 'message.delivery_changed',
      data: { messageId: m.id, seq: m.seq, deliveryStatus: to },
      broadcast: true,
    }));
    await recordEvents(trx, events);
    return changed.length;
  });
}

/**
 * An agent has a chat conversation on screen up to `seq`: the customer's messages up to
 * there are read, each with a `message.delivery_changed` event (the widget shows "Read").
 */
export async function markCustomerMessagesRead(
  db: Db,
  workspaceId: string,
  conversationId: string,
  seq: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('messages')
      .set({ deliveryStatus: 'read' })
      .where('workspaceId', '=', workspaceId)
      .where('conversationId', '=', conversationId)
      .where('kind', '=', 'inbound')
      .where('channel', '=', 'chat')
      .where('seq', '<=', seq)
      .where((eb) => eb.or([eb('deliveryStatus', 'is', null), eb('deliveryStatus', '<>', 'read')]))
      .returning(['id', 'seq'])
      .execute();
    await recordEvents(
      trx,
      changed.map((m) => ({
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'message.delivery_changed',
        data: { messageId: m.id, seq: m.seq, deliveryStatus: 'read' },
        broadcast: true,
      })),
    );
    return changed.length;
  });
}
