import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { readBlob } from '../../platform/blobs.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import { ingest } from '../conversations/ingest.js';
import { parseEmail, UnparseableEmail } from './parse.js';
import { postAgentReply } from './agent-reply.js';
import { markDeliverable, recordBounce } from './bounces.js';
import { findReplyToken } from './reply-address.js';

const ProcessEmail = Type.Object({ workspaceId: Type.String(), inboundEmailId: Type.String() });

export const processEmailJob = {
  name: 'email.process',
  payload: ProcessEmail,
  maxAttempts: 5,
};

/**
 * Turns a filed email into a conversation message through `ingest()`. Idempotent: a row
 * already processed is left alone, and the message's external id (its Message-ID, else the
 * row's id) makes a retry after a crash find the message it already wrote. A message that
 * still fails on the last attempt is marked `failed` with the reason, for an admin to see,
 * download and reprocess.
 */
export function emailJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      ...processEmailJob,
      async handler({ workspaceId, inboundEmailId }, context) {
        const row = await services.db
          .selectFrom('inboundEmails')
          .selectAll()
          .where('workspaceId', '=', workspaceId)
          .where('id', '=', inboundEmailId)
          .executeTakeFirst();
        if (!row || row.status !== 'received') return;
        try {
          const raw = await readBlob(services.blobs, row.blobKey);
          const parsed = await parseEmail(raw, {
            blobs: services.blobs,
            envelopeFrom: row.envelopeFrom,
            maxAttachmentBytes: services.config.maxUploadBytes,
          });
          if (parsed.bounce) {
            // A report on mail we sent: never a conversation, never acknowledged.
            const conversationId = await recordBounce(services.db, workspaceId, parsed.bounce);
            await services.db
              .updateTable('inboundEmails')
              .set({
                status: 'ignored',
                conversationId,
                attempts: context.attempt,
                error: `bounce: ${parsed.bounce.status ?? 'unknown status'}`,
                processedAt: new Date(),
              })
              .where('workspaceId', '=', workspaceId)
              .where('id', '=', row.id)
              .execute();
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
              context.log.info({ inboundEmailId, reason: outcome.reason }, 'agent reply refused');
            await services.db
              .updateTable('inboundEmails')
              .set({
                status: outcome.posted
                  ? outcome.duplicate
                    ? 'duplicate'
                    : 'processed'
                  : 'ignored',
                conversationId: outcome.posted ? outcome.conversationId : null,
                messageRef: outcome.posted ? outcome.messageId : null,
                attempts: context.attempt,
                error: outcome.posted ? null : outcome.reason,
                processedAt: new Date(),
              })
              .where('workspaceId', '=', workspaceId)
              .where('id', '=', row.id)
              .execute();
            return;
          }
          // Mail from one of our own addresses (a loop, a misconfigured forward) is automatic.
          const own = await services.db
            .selectFrom('mailboxAddresses')
            .select('address')
            .where('address', '=', parsed.message.from.value)
            .executeTakeFirst();
          const result = await ingest(services.db, {
            ...parsed.message,
            workspaceId,
            externalId: parsed.messageId ?? `inbound:${row.id}`,
            automated: parsed.automated || own !== undefined,
            receivedAt: row.receivedAt,
            metadata: {
              inboundEmailId: row.id,
              mailboxId: row.mailboxId,
              messageId: parsed.messageId,
              ...(parsed.fullText ? { fullText: parsed.fullText } : {}),
            },
          });
          if (!parsed.automated)
            await markDeliverable(services.db, workspaceId, parsed.message.from.value);
          await services.db
            .updateTable('inboundEmails')
            .set({
              status: result.duplicate ? 'duplicate' : 'processed',
              conversationId: result.conversationId,
              messageRef: result.messageId,
              attempts: context.attempt,
              error: null,
              processedAt: new Date(),
            })
            .where('workspaceId', '=', workspaceId)
            .where('id', '=', row.id)
            .execute();
        } catch (error) {
          // Unparseable mail fails at once; anything else may be passing (database, disk).
          const last =
            error instanceof UnparseableEmail || context.attempt >= processEmailJob.maxAttempts;
          await services.db
            .updateTable('inboundEmails')
            .set({
              attempts: context.attempt,
              error: error instanceof Error ? error.message.slice(0, 1000) : String(error),
              ...(last ? { status: 'failed' as const } : {}),
            })
            .where('workspaceId', '=', workspaceId)
            .where('id', '=', row.id)
            .execute();
          context.log.warn({ err: error, inboundEmailId, last }, 'email could not be processed');
          if (!last) throw error;
        }
      },
    }),
  ];
}
