import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { recordEvent } from '../../platform/outbox.js';
import type { Bounce } from './parse.js';

/**
 * A bounce about mail we sent: the message it reports on (found through its Message-ID,
 * which is a thread key of its conversation) is marked `failed` with the reason; a
 * permanent bounce also marks the recipient's address undeliverable, so the next reply to it
 * fails at once instead of bouncing again. Returns the conversation, if the message was ours.
 */
export async function recordBounce(
  db: Db,
  workspaceId: string,
  bounce: Bounce,
  /** Written in the same transaction, once the conversation (if any) is known: the filing. */
  andThen: (trx: Tx, conversationId: string | null) => Promise<unknown>,
): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const reason = `Bounced${bounce.status ? ` (${bounce.status})` : ''}${
      bounce.diagnostic ? `: ${bounce.diagnostic}` : ''
    }`;
    let conversationId: string | null = null;
    if (bounce.originalMessageId) {
      const key = await trx
        .selectFrom('conversationThreadKeys')
        .select('conversationId')
        .where('workspaceId', '=', workspaceId)
        .where('channel', '=', 'email')
        .where('key', '=', bounce.originalMessageId)
        .executeTakeFirst();
      if (key && bounce.permanent) {
        const failed = await trx
          .updateTable('messages')
          .set({
            deliveryStatus: 'failed',
            metadata: sql<string>`metadata || ${JSON.stringify({
              deliveryError: reason,
              bounce,
            })}::jsonb`,
          })
          .where('workspaceId', '=', workspaceId)
          .where('conversationId', '=', key.conversationId)
          .where('kind', '=', 'outbound')
          .where(sql<boolean>`metadata->>'messageId' = ${bounce.originalMessageId}`)
          .returning(['id', 'seq'])
          .executeTakeFirst();
        if (failed) {
          await recordEvent(trx, {
            workspaceId,
            aggregateType: 'conversation',
            aggregateId: key.conversationId,
            type: 'message.delivery_changed',
            data: {
              messageId: failed.id,
              seq: failed.seq,
              deliveryStatus: 'failed',
              deliveryError: reason,
            },
            broadcast: true,
          });
        }
      }
      conversationId = key?.conversationId ?? null;
    }
    if (bounce.permanent && bounce.recipient) {
      await trx
        .updateTable('contactIdentities')
        .set({ undeliverableAt: new Date(), undeliverableReason: reason.slice(0, 500) })
        .where('workspaceId', '=', workspaceId)
        .where('kind', '=', 'email')
        .where('value', '=', bounce.recipient)
        .execute();
    }
    await andThen(trx, conversationId);
    return conversationId;
  });
}

/**
 * The customer wrote from the address again: it works. A query, so the caller can run it as
 * part of its own statement.
 */
export function markDeliverable(db: Db, workspaceId: string, address: string) {
  return db
    .updateTable('contactIdentities')
    .set({ undeliverableAt: null, undeliverableReason: null })
    .where('workspaceId', '=', workspaceId)
    .where('kind', '=', 'email')
    .where('value', '=', address)
    .where('undeliverableAt', 'is not', null);
}
