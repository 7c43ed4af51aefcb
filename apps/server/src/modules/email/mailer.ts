import type { DkimSettings, SmtpTransport } from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import type { SendMailOptions } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Services } from '../../context.js';
import type { Db } from '../../database.js';
import type { MailboxesTable } from './email.tables.js';
import { openDkim, openTransport } from './mailboxes.service.js';
import type { JobContext } from '../../platform/jobs.js';
import type { Mailers } from '../../platform/mailers.js';
import { describeSmtpError, isPermanent, relayTransport } from './outbound.js';

/**
 * How every mail Parley sends leaves: customer replies (send.job.ts), agent notifications
 * and system mails (notify.job.ts, system.job.ts). One place decides the transport (the
 * mailbox's own, else SMTP_RELAY_URL) and signs with the mailbox's DKIM key.
 */

export type MailboxRow = Selectable<MailboxesTable>;

/** Where a mailbox's mail goes out, or why it cannot. */
export type MailRoute =
  | { transport: SmtpTransport; dkim: DkimSettings | null; problem?: undefined }
  | { problem: string };

export function routeFor(services: Services, mailbox: MailboxRow): MailRoute {
  let transport: SmtpTransport | null;
  let dkim: DkimSettings | null;
  try {
    transport =
      openTransport(services.config.secretKey, mailbox) ??
      (services.config.smtpRelayUrl ? relayTransport(services.config.smtpRelayUrl) : null);
    dkim = openDkim(services.config.secretKey, mailbox);
  } catch {
    return { problem: 'The mailbox transport cannot be read (was SECRET_KEY changed?)' };
  }
  if (!transport) {
    return {
      problem:
        'No outbound transport configured: give the mailbox an SMTP server or set SMTP_RELAY_URL',
    };
  }
  return { transport, dkim };
}

/**
 * Sends one mail over a route, on the route's pooled connections (`Mailers`). Errors are the
 * caller's to describe (describeSmtpError), without the AUTH exchange.
 */
export function deliver(
  mailers: Mailers,
  route: { transport: SmtpTransport; dkim: DkimSettings | null },
  mail: SendMailOptions,
): Promise<SMTPPool.SentMessageInfo> {
  return mailers.send(route, mail);
}

/** The mailbox a conversation's mail came to (the newest inbound), else the workspace's first. */
export async function mailboxFor(
  db: Db,
  workspaceId: string,
  conversationId: string | null,
): Promise<MailboxRow | undefined> {
  if (conversationId) {
    const came = await db
      .selectFrom('mailboxes')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where(
        'id',
        '=',
        sql<string>`(select (metadata->>'mailboxId')::uuid from messages
                      where workspace_id = ${workspaceId} and conversation_id = ${conversationId}
                        and kind = 'inbound' and metadata ? 'mailboxId'
                      order by seq desc limit 1)`,
      )
      .executeTakeFirst();
    if (came) return came;
  }
  return db
    .selectFrom('mailboxes')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .orderBy('createdAt')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/**
 * For mail that is not a conversation message (notifications, system mail): sends it, and
 * on failure either gives up (a 5xx, or the job's last attempt: logged with the server's
 * words, nothing else) or throws so the job is retried with backoff.
 */
export async function deliverOrRetry(
  mailers: Mailers,
  context: JobContext,
  job: { name: string; maxAttempts: number },
  route: { transport: SmtpTransport; dkim: DkimSettings | null },
  mail: SendMailOptions,
): Promise<boolean> {
  try {
    await deliver(mailers, route, mail);
    return true;
  } catch (error) {
    const reason = describeSmtpError(error);
    const last = context.attempt >= job.maxAttempts;
    context.log.warn(
      { job: job.name, attempt: context.attempt, reason, gaveUp: last || isPermanent(error) },
      'mail not sent',
    );
    if (last || isPermanent(error)) return false;
    throw new Error(`${job.name}: mail not sent (attempt ${String(context.attempt)}): ${reason}`);
  }
}

/** (workspace, problem) pairs already warned about in this process. */
const warned = new Set<string>();

/**
 * Mail we could not route (no mailbox, no transport): a warning the first time per
 * workspace and problem in this process, then debug. A fresh install without a transport
 * would otherwise warn for every notification its demo data causes.
 */
export function reportUnroutable(
  log: JobContext['log'],
  workspaceId: string,
  fields: Record<string, unknown> & { problem: string | undefined },
  message: string,
): void {
  const key = `${workspaceId}:${fields.problem ?? ''}`;
  if (warned.has(key)) {
    log.debug({ workspaceId, ...fields }, message);
    return;
  }
  if (warned.size > 10_000) warned.clear();
  warned.add(key);
  log.warn({ workspaceId, ...fields }, `${message} (further ones for this workspace: debug)`);
}
