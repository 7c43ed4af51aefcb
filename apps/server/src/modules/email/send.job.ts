import type { Attachment } from '@parley/contract';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Readable } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../context.js';
import type { Db } from '../../database.js';
import { prepared } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { defineJob, type JobContext, type JobDefinition } from '../../platform/jobs.js';
import { deliver, mailboxFor, routeFor } from './mailer.js';
import {
  describeSmtpError,
  isPermanent,
  messageIdDomain,
  outboundBodies,
  outboundSubject,
  references,
} from './outbound.js';

const SendEmail = Type.Object({ workspaceId: Type.String(), messageId: Type.String() });

export const sendEmailJob = {
  name: 'email.send',
  payload: SendEmail,
  maxAttempts: 8,
};

/** How long one run may hold a message before another run may take it over. */
const LEASE_MINUTES = 10;

/**
 * On `message.created` for an outbound message of an email conversation (agent replies,
 * acknowledgements): queue its delivery, one pending job per message.
 */
export function emailOutboundSubscriber(services: Services): void {
  services.outbox.subscribe('message.created', 'email-send', async (event, context) => {
    const data = event.data as { messageId?: string; kind?: string; channel?: string };
    if (data.kind !== 'outbound' || !data.messageId) return;
    if (data.channel !== undefined) {
      // The event says the channel (the job checks the rest when it runs).
      if (data.channel !== 'email') return;
    } else {
      const message = await services.db
        .selectFrom('messages')
        .select(['channel', 'deliveryStatus'])
        .where('workspaceId', '=', event.workspaceId)
        .where('id', '=', data.messageId)
        .executeTakeFirst();
      if (message?.channel !== 'email' || message.deliveryStatus !== 'queued') return;
    }
    context.enqueue(
      sendEmailJob,
      { workspaceId: event.workspaceId, messageId: data.messageId },
      { jobKey: `email-send:${data.messageId}` },
    );
  });
}

type DeliveryStatus = 'sent' | 'failed';

/** What one send reads, in one statement (raw SQL: the names as PostgreSQL returns them). */
interface SendContext {
  id: string;
  workspaceId: string;
  conversationId: string;
  seq: number;
  kind: string;
  channel: string;
  authorType: string;
  authorId: string | null;
  text: string;
  html: string | null;
  attachments: Attachment[];
  metadata: Record<string, unknown>;
  deliveryStatus: string | null;
  number: number;
  subject: string;
  contactEmail: string | null;
  ticketPrefix: string;
  workspaceName: string;
  undeliverable: boolean;
  undeliverableReason: string | null;
  thread: { kind: string; messageId: string }[];
}

/**
 * Ends a queued message's delivery: its status, what to add to its metadata (the lease is
 * dropped) and a `message.delivery_changed` event, in one transaction. Only a `queued`
 * message changes, so a late or repeated run cannot undo an outcome.
 */
async function finish(
  db: Db,
  message: { workspaceId: string; id: string; conversationId: string; seq: number },
  status: DeliveryStatus,
  metadata: Record<string, unknown>,
): Promise<void> {
  const data = {
    messageId: message.id,
    seq: message.seq,
    deliveryStatus: status,
    ...(typeof metadata.deliveryError === 'string'
      ? { deliveryError: metadata.deliveryError }
      : {}),
  };
  // The status and its event (with the NOTIFY) in one statement: both or neither.
  await prepared(sql`
    with updated as (
      update messages
         set delivery_status = ${status}::text,
             metadata = (metadata - 'sending') || ${JSON.stringify(metadata)}::jsonb
       where workspace_id = ${message.workspaceId}::uuid and id = ${message.id}::uuid
         and delivery_status = 'queued'
      returning workspace_id, conversation_id
    ), events as (
      insert into outbox_events (workspace_id, aggregate_type, aggregate_id, type, data, broadcast)
      select workspace_id, 'conversation', conversation_id::text, 'message.delivery_changed',
             ${JSON.stringify(data)}::jsonb, true
        from updated
      returning 1
    )
    select (select count(*) from (select pg_notify('parley_outbox', '') from events limit 1) n) as notified`).execute(
    db,
  );
}

/**
 * Takes the message for this run (a lease in its metadata, so a second job for the same
 * message, after an event was delivered twice, waits instead of sending in parallel), fixes
 * its Message-ID (kept across retries) and records it as a thread key, so the customer's
 * answer threads back even if we crash right after the SMTP server accepted the mail.
 */
async function claim(
  db: Db,
  props: {
    workspaceId: string;
    messageId: string;
    jobId: string;
    domain: string;
  },
): Promise<string | null> {
  const fresh = `${uuidv7()}@${props.domain}`;
  const row = await prepared(sql<{ outboundId: string }>`
    with claimed as (
      update messages
         set metadata = metadata || jsonb_build_object(
               'messageId', coalesce(metadata->>'messageId', ${fresh}::text),
               'sendAttempts', coalesce((metadata->>'sendAttempts')::int, 0) + 1,
               'sending', jsonb_build_object(
                 'jobId', ${props.jobId}::text,
                 'until', now() + make_interval(mins => ${LEASE_MINUTES}::int)))
       where workspace_id = ${props.workspaceId}::uuid and id = ${props.messageId}::uuid
         and delivery_status = 'queued'
         and (not metadata ? 'sending'
              or metadata->'sending'->>'jobId' = ${props.jobId}::text
              or (metadata->'sending'->>'until')::timestamptz < now())
      returning workspace_id, conversation_id, metadata->>'messageId' as outbound_id
    ), keyed as (
      insert into conversation_thread_keys (workspace_id, channel, key, conversation_id)
      select workspace_id, 'email', outbound_id, conversation_id from claimed
      on conflict (workspace_id, channel, key) do nothing
    )
    select outbound_id from claimed`).execute(db);
  return row.rows[0]?.outboundId ?? null;
}

async function openAttachments(
  services: Services,
  attachments: Attachment[],
): Promise<{ filename: string; contentType: string; content: Readable; cid?: string }[]> {
  const opened = [];
  for (const a of attachments) {
    opened.push({
      filename: a.filename,
      contentType: a.contentType,
      content: await services.blobs.get(a.blobKey),
      ...(a.contentId ? { cid: a.contentId } : {}),
    });
  }
  return opened;
}

/**
 * Sends one outbound message of an email conversation over SMTP: the mailbox's own
 * transport, else the server's relay (`SMTP_RELAY_URL`). `sent` with the Message-ID and the
 * server's reply on success; a 5xx, a missing mailbox/transport/address or the last attempt
 * mark it `failed` with `deliveryError`; 4xx and connection errors throw, so the job is
 * retried with backoff. A message no longer `queued` is left alone, so a run after a crash
 * does not send again — except after a crash between the server's acceptance and the status
 * write, which sends once more (the at-least-once boundary; the Message-ID is the same, so
 * mail clients show it once).
 */
export async function sendEmail(
  services: Services,
  props: { workspaceId: string; messageId: string },
  context: JobContext,
): Promise<void> {
  const { db } = services;
  const { workspaceId } = props;
  // The message, its conversation, whether the address bounced and the thread's earlier
  // Message-IDs: one statement.
  const { rows } = await prepared(sql<SendContext>`
    select m.id, m.workspace_id, m.conversation_id, m.seq, m.kind, m.channel, m.author_type,
           m.author_id, m.text, m.html, m.attachments, m.metadata, m.delivery_status,
           c.number, c.subject, c.contact_email, w.ticket_prefix, w.name as workspace_name,
           (select i.undeliverable_reason from contact_identities i
             where i.workspace_id = c.workspace_id and i.kind = 'email'
               and i.value = c.contact_email and i.undeliverable_at is not null) as undeliverable_reason,
           exists (select 1 from contact_identities i
                    where i.workspace_id = c.workspace_id and i.kind = 'email'
                      and i.value = c.contact_email and i.undeliverable_at is not null) as undeliverable,
           coalesce((select json_agg(json_build_object('kind', t.kind, 'messageId', t.metadata->>'messageId')
                                     order by t.seq)
                       from messages t
                      where t.workspace_id = m.workspace_id and t.conversation_id = m.conversation_id
                        and t.channel = 'email' and t.id <> m.id and t.metadata ? 'messageId'
                        and (t.kind = 'inbound' or t.delivery_status = 'sent')), '[]') as thread
      from messages m
      join conversations c on c.workspace_id = m.workspace_id and c.id = m.conversation_id
      join workspaces w on w.id = m.workspace_id
     where m.workspace_id = ${workspaceId}::uuid and m.id = ${props.messageId}::uuid`).execute(db);
  const message = rows[0];
  if (!message || message.kind !== 'outbound' || message.channel !== 'email') return;
  if (message.deliveryStatus !== 'queued') return;
  const conversation = message;
  const fail = (reason: string, extra: Record<string, unknown> = {}) =>
    finish(db, message, 'failed', { deliveryError: reason, ...extra });

  if (!conversation.contactEmail) {
    await fail('The contact has no email address');
    return;
  }
  if (message.undeliverable) {
    await fail(
      `${conversation.contactEmail} bounced earlier (${message.undeliverableReason ?? 'permanent failure'}); it works again when the customer writes from it`,
    );
    return;
  }
  const mailbox = await mailboxFor(db, workspaceId, message.conversationId);
  if (!mailbox) {
    await fail('No mailbox to send from: add one under Settings → Mailboxes');
    return;
  }
  const route = routeFor(services, mailbox);
  if (route.problem !== undefined) {
    await fail(route.problem);
    return;
  }

  const outboundId = await claim(db, {
    workspaceId,
    messageId: message.id,
    jobId: context.jobId,
    domain: messageIdDomain(mailbox.address),
  });
  if (!outboundId) {
    const now = await db
      .selectFrom('messages')
      .select('deliveryStatus')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', message.id)
      .executeTakeFirst();
    if (now?.deliveryStatus === 'queued') throw new Error('another run is sending this message');
    return;
  }

  const thread = message.thread;
  const inReplyTo = thread.filter((m) => m.kind === 'inbound').at(-1)?.messageId;
  const metadata = message.metadata;
  const automatic = message.authorType === 'system' || metadata.automatic === true;
  const subject = outboundSubject({
    subject:
      typeof metadata.subject === 'string' && metadata.acknowledgement
        ? metadata.subject
        : conversation.subject,
    reply: !metadata.acknowledgement,
    prefix: conversation.ticketPrefix,
    number: conversation.number,
  });
  // A person's reply: their own signature (profile), then the mailbox's.
  const agentSignature =
    message.authorType === 'user' && message.authorId
      ? ((
          await db
            .selectFrom('users')
            .select('signature')
            .where('workspaceId', '=', workspaceId)
            .where('id', '=', message.authorId)
            .executeTakeFirst()
        )?.signature ?? null)
      : null;
  const signatures = [agentSignature, message.authorType === 'user' ? mailbox.signature : null]
    .map((part) => part?.trim())
    .filter(Boolean);
  const bodies = outboundBodies({
    text: message.text,
    html: message.html,
    signature: signatures.length > 0 ? signatures.join('\n\n') : null,
  });
  let attachments;
  try {
    attachments = await openAttachments(services, message.attachments);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    await fail('An attachment is missing from the file store');
    return;
  }
  const refs = references(thread.map((m) => m.messageId));

  try {
    const info = await deliver(services.mailers, route, {
      from: { name: mailbox.displayName ?? conversation.workspaceName, address: mailbox.address },
      to: conversation.contactEmail,
      subject,
      text: bodies.text,
      html: bodies.html,
      messageId: `<${outboundId}>`,
      ...(inReplyTo ? { inReplyTo: `<${inReplyTo}>` } : {}),
      ...(refs.length > 0 ? { references: refs.map((r) => `<${r}>`) } : {}),
      headers: automatic
        ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' }
        : {},
      attachments,
    });
    await finish(db, message, 'sent', {
      messageId: outboundId,
      mailboxId: mailbox.id,
      smtpResponse: info.response.slice(0, 1000),
      sentAt: new Date().toISOString(),
    });
    context.log.debug({ messageId: message.id, attempt: context.attempt }, 'email sent');
  } catch (error) {
    for (const a of attachments) a.content.destroy();
    const reason = describeSmtpError(error);
    const last = context.attempt >= sendEmailJob.maxAttempts;
    // Only the code and the server's words: a nodemailer error can carry the AUTH command.
    context.log.warn(
      {
        messageId: message.id,
        attempt: context.attempt,
        code: (error as { code?: unknown }).code,
        responseCode: (error as { responseCode?: unknown }).responseCode,
        reason,
      },
      'email not sent',
    );
    if (isPermanent(error) || last) {
      await fail(reason, { mailboxId: mailbox.id });
      return;
    }
    await db
      .updateTable('messages')
      .set({
        metadata: sql<string>`(metadata - 'sending') || ${JSON.stringify({ lastDeliveryError: reason })}::jsonb`,
      })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', message.id)
      .where('deliveryStatus', '=', 'queued')
      .execute();
    throw new Error(`email not sent (attempt ${context.attempt}): ${reason}`);
  }
}

export function sendJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...sendEmailJob,
      handler: (payload, context) => sendEmail(services, payload, context),
    }),
  ];
}
