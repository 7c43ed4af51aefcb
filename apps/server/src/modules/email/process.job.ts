import { Type } from '@sinclair/typebox';
import type { Selectable } from 'kysely';
import type { Services } from '../../context.js';
import { readBlob } from '../../platform/blobs.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import { ingest } from '../conversations/ingest.js';
import { addMessage } from '../conversations/conversations.service.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import type { Actor } from '../../platform/http.js';
import { parseEmail, UnparseableEmail, untrimmed, type ParsedEmail } from './parse.js';
import { findForward } from './forward.js';
import { postAgentReply } from './agent-reply.js';
import { markDeliverable, recordBounce } from './bounces.js';
import { mailboxForAddress } from './mailboxes.service.js';
import { findReplyToken } from './reply-address.js';
import type { InboundEmailsTable } from './email.tables.js';

const ProcessEmail = Type.Object({ workspaceId: Type.String(), inboundEmailId: Type.String() });

export const processEmailJob = {
  name: 'email.process',
  payload: ProcessEmail,
  maxAttempts: 5,
};

/**
 * Turns a filed email into a conversation message through `ingest()`. Idempotent: a row
 * already processed is left alone, and the message's external id (its Message-ID, else the
 * row's id) makes a retry after a crash find the message it already wrote. A message the
 * parser cannot handle, or one that still fails on the last attempt, is marked `failed` with
 * the reason, for an admin to see, download and reprocess. Runs in the process that filed
 * the mail right after the commit (`InlineJobs`), or as the `email.process` job.
 */
export async function processInboundEmail(
  services: Services,
  { workspaceId, inboundEmailId }: { workspaceId: string; inboundEmailId: string },
  run: { attempt: number; last: boolean } = { attempt: 1, last: false },
  /** The row as it was just filed, when the caller has it (an inline run). */
  filed?: Selectable<InboundEmailsTable>,
): Promise<void> {
  const row =
    filed ??
    (await services.db
      .selectFrom('inboundEmails')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', inboundEmailId)
      .executeTakeFirst());
  if (!row || row.status !== 'received') return;
  // Only a row still `received` is finished: the job and an inline run may overlap.
  const finish = (db: Pick<Services['db'], 'updateTable'>) =>
    db
      .updateTable('inboundEmails')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', row.id)
      .where('status', '=', 'received');
  try {
    const raw = await readBlob(services.blobs, row.blobKey);
    const parsed = await parseEmail(raw, {
      blobs: services.blobs,
      envelopeFrom: row.envelopeFrom,
      maxAttachmentBytes: services.config.maxUploadBytes,
    });
    if (parsed.bounce) {
      // A report on mail we sent: never a conversation, never acknowledged. The message it
      // fails and the filing of the report are one transaction.
      const { status } = parsed.bounce;
      await recordBounce(services.db, workspaceId, parsed.bounce, (trx, conversationId) =>
        finish(trx)
          .set({
            status: 'ignored',
            conversationId,
            attempts: run.attempt,
            error: `bounce: ${status ?? 'unknown status'}`,
            processedAt: new Date(),
          })
          .execute(),
      );
      return;
    }
    // An answer to an agent notification: posted as the agent only if its token is valid.
    const token = findReplyToken([...row.envelopeTo, ...parsed.recipients]);
    if (token) {
      const outcome = await postAgentReply(services, {
        workspaceId,
        mailboxId: row.mailboxId,
        inboundEmailId: row.id,
        token,
        parsed,
      });
      if (!outcome.posted)
        services.log.info({ inboundEmailId, reason: outcome.reason }, 'agent reply refused');
      await finish(services.db)
        .set({
          status: outcome.posted ? (outcome.duplicate ? 'duplicate' : 'processed') : 'ignored',
          conversationId: outcome.posted ? outcome.conversationId : null,
          messageRef: outcome.posted ? outcome.messageId : null,
          attempts: run.attempt,
          error: outcome.posted ? null : outcome.reason,
          processedAt: new Date(),
        })
        .execute();
      return;
    }
    const from = parsed.message.from.value;
    const externalId = parsed.messageId ?? `inbound:${row.id}`;
    const metadata = {
      inboundEmailId: row.id,
      mailboxId: row.mailboxId,
      messageId: parsed.messageId,
      ...untrimmed(parsed),
    };
    // What the text is written in decides; else the mail client's Content-Language; else the
    // mailbox's default language.
    const languageFallback =
      parsed.message.languageFallback ?? (await mailboxLanguage(services, row.mailboxId));
    // A colleague forwarding a customer's mail: the ticket is the customer's.
    const forwarded = parsed.automated ? null : await agentForward(services, workspaceId, parsed);
    const result = forwarded
      ? await ingest(services.db, {
          ...parsed.message,
          workspaceId,
          from: {
            kind: 'email',
            value: forwarded.forward.from.address,
            name: forwarded.forward.from.name,
          },
          subject: forwarded.forward.subject,
          text: forwarded.forward.text || forwarded.forward.subject || '',
          // The forwarded text is what the customer wrote; the forward's HTML and its
          // threading belong to the colleague's mail.
          html: null,
          threadKeys: [],
          languageFallback,
          externalId,
          receivedAt: row.receivedAt,
          metadata: { ...metadata, forwardedBy: forwarded.user.id },
        })
      : await ingest(services.db, {
          ...parsed.message,
          workspaceId,
          languageFallback,
          externalId,
          // Mail from one of our own addresses (a loop, a misconfigured forward) is automatic.
          automated: parsed.automated || (await isOwnAddress(services, from)),
          receivedAt: row.receivedAt,
          metadata,
        });
    if (forwarded?.forward.note) {
      // What the colleague wrote above the forward: their note on the ticket, once.
      await addForwardNote(services, {
        workspaceId,
        user: forwarded.user,
        conversationId: result.conversationId,
        text: forwarded.forward.note,
        externalId: `forward-note:${externalId}`,
      });
    }
    // The row is finished and, for a person's mail, the sender's address known to work
    // again, in one statement.
    const db = parsed.automated
      ? services.db
      : services.db.with('deliverable', () => markDeliverable(services.db, workspaceId, from));
    await finish(db)
      .set({
        status: result.duplicate ? 'duplicate' : 'processed',
        conversationId: result.conversationId,
        messageRef: result.messageId,
        attempts: run.attempt,
        error: null,
        processedAt: new Date(),
      })
      .execute();
  } catch (error) {
    // Unparseable mail fails at once; anything else may be passing (database, disk).
    const last = error instanceof UnparseableEmail || run.last;
    await finish(services.db)
      .set({
        attempts: run.attempt,
        error: error instanceof Error ? error.message.slice(0, 1000) : String(error),
        ...(last ? { status: 'failed' as const } : {}),
      })
      .execute();
    services.log.warn({ err: error, inboundEmailId, last }, 'email could not be processed');
    if (!last) throw error;
  }
}

/**
 * The forward in a mail from an active user of the workspace, with that user; null for
 * anyone else's mail, a mail that is not a forward, or a forward of a colleague's or one of
 * our mailboxes' own mail (that stays the sender's, as any mail).
 */
async function agentForward(services: Services, workspaceId: string, parsed: ParsedEmail) {
  const sender = parsed.message.from.value.toLowerCase();
  const user = await userByEmail(services, workspaceId, sender);
  if (user?.status !== 'active') return null;
  const forward = findForward(parsed);
  if (!forward || forward.from.address === sender) return null;
  if (
    (await userByEmail(services, workspaceId, forward.from.address)) ||
    (await isOwnAddress(services, forward.from.address))
  )
    return null;
  return { user, forward };
}

const userByEmail = (services: Services, workspaceId: string, email: string) =>
  services.db
    .selectFrom('users')
    .select(['id', 'role', 'status'])
    .where('workspaceId', '=', workspaceId)
    .where('email', '=', email)
    .executeTakeFirst();

async function addForwardNote(
  services: Services,
  props: {
    workspaceId: string;
    user: { id: string; role: Actor['role'] };
    conversationId: string;
    text: string;
    externalId: string;
  },
) {
  try {
    await addMessage({
      db: services.db,
      actor: {
        workspaceId: props.workspaceId,
        userId: props.user.id,
        role: props.user.role,
        via: 'token',
        scopes: ['read', 'write'],
        csrfToken: null,
        credentialId: `email:${props.externalId}`,
      },
      conversationId: props.conversationId,
      body: { kind: 'note', text: props.text },
      origin: { externalId: props.externalId, attachments: [], metadata: { via: 'email-forward' } },
    });
  } catch (error) {
    // Added by an earlier run of this job (a retry after a crash): nothing more to do.
    if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
  }
}

/**
 * Answers remembered a few seconds per process (and per Services: tests run several): the
 * same few mailboxes and addresses come up in every mail of a burst.
 */
function remembered<V>(load: (services: Services, key: string) => Promise<V>) {
  const caches = new WeakMap<Services, Map<string, { value: V; until: number }>>();
  return async (services: Services, key: string): Promise<V> => {
    let cache = caches.get(services);
    if (!cache) {
      cache = new Map();
      caches.set(services, cache);
    }
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await load(services, key);
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, { value, until: Date.now() + REMEMBER_MS });
    return value;
  };
}
const REMEMBER_MS = 5_000;

/** Whether an address is one of our mailboxes'. */
const isOwnAddress = remembered(
  async (services, address) =>
    (await mailboxForAddress(services.db, address.toLowerCase())) !== undefined,
);

/** A mailbox's default language (its customers' usual one), or null. */
const mailboxLanguage = remembered(async (services, mailboxId) => {
  const row = await services.db
    .selectFrom('mailboxes')
    .select('language')
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  return row?.language ?? null;
});

export function emailJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...processEmailJob,
      async handler(payload, context) {
        await processInboundEmail(services, payload, {
          attempt: context.attempt,
          last: context.attempt >= processEmailJob.maxAttempts,
        });
      },
    }),
  ];
}
