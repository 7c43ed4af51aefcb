import type { Tx } from '../../database.js';
import type { Actor } from '../../platform/http.js';
import { recordEvents } from '../../platform/outbox.js';

/**
 * Moves every conversation of contact `fromId` (open, closed or merged alike) to contact
 * `toId`, inside the caller's transaction, which holds both contacts locked. Each moved
 * conversation gets a `conversation.contact_changed` timeline entry and a
 * `conversation.updated` event. The one place a conversation changes its contact: anything
 * conversations copy from their contact belongs here too.
 */
export async function moveConversationsToContact(
  trx: Tx,
  props: { actor: Actor; fromId: string; toId: string; reason: 'contact_merged' },
): Promise<string[]> {
  const { actor, fromId, toId } = props;
  const workspaceId = actor.workspaceId;
  const moved = await trx
    .updateTable('conversations')
    .set({ contactId: toId, updatedAt: new Date() })
    .where('workspaceId', '=', workspaceId)
    .where('contactId', '=', fromId)
    .returning('id')
    .execute();
  if (moved.length === 0) return [];
  const data = { from: fromId, to: toId, reason: props.reason };
  await trx
    .insertInto('conversationEvents')
    .values(
      moved.map(({ id }) => ({
        workspaceId,
        conversationId: id,
        type: 'conversation.contact_changed',
        actorType: 'user' as const,
        actorId: actor.userId,
        data: JSON.stringify(data),
      })),
    )
    .execute();
  await recordEvents(
    trx,
    moved.map(({ id }) => ({
      workspaceId,
      aggregateType: 'conversation',
      aggregateId: id,
      type: 'conversation.updated',
      data: { changes: { contactId: toId }, actorId: actor.userId },
      broadcast: true,
    })),
  );
  return moved.map(({ id }) => id);
}
