import type { ConversationLink, LinkCreateBody } from '@parley/contract';
import type { Db } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';

const mirror = { related: 'related', parent: 'child', child: 'parent' } as const;

/** Links two conversations of the workspace, both directions at once (idempotent). */
export async function linkConversations(props: {
  db: Db;
  actor: Actor;
  conversationId: string;
  body: LinkCreateBody;
}) {
  const { actor, conversationId, body } = props;
  if (!roleAtLeast(actor.role, 'agent')) throw forbidden('Collaborators cannot link conversations');
  if (conversationId === body.conversationId)
    throw new AppError('conflict', 'A conversation cannot be linked to itself');
  await props.db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('conversations')
      .select('id')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', 'in', [conversationId, body.conversationId])
      .execute();
    if (found.length !== 2) throw notFound('The conversation', 'conversation_not_found');
    const rows = [
      { conversationId, linkedId: body.conversationId, kind: body.kind },
      { conversationId: body.conversationId, linkedId: conversationId, kind: mirror[body.kind] },
    ];
    for (const row of rows) {
      await trx
        .insertInto('conversationLinks')
        .values({ workspaceId: actor.workspaceId, ...row, createdBy: actor.userId })
        .onConflict((oc) =>
          oc.columns(['workspaceId', 'conversationId', 'linkedId']).doUpdateSet({ kind: row.kind }),
        )
        .execute();
    }
    await trx
      .insertInto('conversationEvents')
      .values(
        rows.map((row) => ({
          workspaceId: actor.workspaceId,
          conversationId: row.conversationId,
          type: 'conversation.linked',
          actorType: 'user' as const,
          actorId: actor.userId,
          data: JSON.stringify({ linkedId: row.linkedId, kind: row.kind }),
        })),
      )
      .execute();
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'conversation',
      aggregateId: conversationId,
      type: 'conversation.linked',
      data: { linkedId: body.conversationId, kind: body.kind },
      broadcast: true,
    });
  });
  return findLinks({ db: props.db, workspaceId: actor.workspaceId, conversationId });
}

export async function findLinks(props: {
  db: Db;
  workspaceId: string;
  conversationId: string;
}): Promise<ConversationLink[]> {
  const exists = await props.db
    .selectFrom('conversations')
    .select('id')
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.conversationId)
    .executeTakeFirst();
  if (!exists) throw notFound('The conversation', 'conversation_not_found');
  const rows = await props.db
    .selectFrom('conversationLinks as l')
    .innerJoin('conversations as c', (j) =>
      j.onRef('c.workspaceId', '=', 'l.workspaceId').onRef('c.id', '=', 'l.linkedId'),
    )
    .select(['l.linkedId', 'l.kind', 'l.createdAt', 'c.number', 'c.subject', 'c.status'])
    .where('l.workspaceId', '=', props.workspaceId)
    .where('l.conversationId', '=', props.conversationId)
    .orderBy('l.createdAt')
    .execute();
  return rows.map((r) => ({
    conversationId: r.linkedId,
    number: r.number,
    subject: r.subject,
    status: r.status,
    kind: r.kind,
    createdAt: r.createdAt.toISOString(),
  }));
}

export async function unlinkConversations(props: {
  db: Db;
  actor: Actor;
  conversationId: string;
  linkedId: string;
}) {
  const { actor } = props;
  if (!roleAtLeast(actor.role, 'agent'))
    throw forbidden('Collaborators cannot unlink conversations');
  const result = await props.db
    .deleteFrom('conversationLinks')
    .where('workspaceId', '=', actor.workspaceId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('conversationId', '=', props.conversationId),
          eb('linkedId', '=', props.linkedId),
        ]),
        eb.and([
          eb('conversationId', '=', props.linkedId),
          eb('linkedId', '=', props.conversationId),
        ]),
      ]),
    )
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound('The link');
}
