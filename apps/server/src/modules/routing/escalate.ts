import type { Conversation, EscalateBody } from '@parley/contract';
import type { Db } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { enqueue } from '../../platform/jobs.js';
import { recordEvents } from '../../platform/outbox.js';
import { getConversation } from '../conversations/conversations.service.js';
import { teamSettings } from '../teams/teams.service.js';
import { routeIn } from './route.js';
import { drainJob } from './routing.jobs.js';

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', `${path} ${message}`, {
    details: { issues: [{ path, message }] },
  });

/**
 * Escalates a conversation to a specialist team (the named one, else the next tier its
 * team's settings name), in ONE transaction: the conversation keeps its messages, timeline,
 * required skills and priority, leaves its assignee, moves team; the timeline gets
 * `conversation.escalated` (from, to, who, the note, the team's leads); the outbox gets
 * `conversation.updated` and `conversation.escalated` (broadcast: the leads' in-app
 * notification; the email subscriber mails them); then the engine routes it in the new
 * team at once (or it waits in that queue). The old team's queue drains (the agent freed
 * a place).
 */
export async function escalateConversation(props: {
  db: Db;
  actor: Actor;
  conversationId: string;
  body: EscalateBody;
}): Promise<Conversation> {
  const { actor, conversationId, body } = props;
  const workspaceId = actor.workspaceId;
  await props.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('conversations')
      .select(['teamId', 'assigneeId', 'status'])
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', conversationId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('The conversation', 'conversation_not_found');
    if (before.status === 'resolved' || before.status === 'closed')
      throw new AppError('conflict', 'A resolved or closed conversation cannot be escalated');
    let targetId = body.teamId ?? null;
    if (!targetId && before.teamId) {
      const team = await trx
        .selectFrom('teams')
        .select('settings')
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', before.teamId)
        .executeTakeFirst();
      targetId = team ? teamSettings(team.settings).escalationTeamId : null;
    }
    if (!targetId)
      throw invalid('body.teamId', "is required: the conversation's team names no escalation tier");
    if (targetId === before.teamId) throw invalid('body.teamId', 'is the conversation’s own team');
    const target = await trx
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', targetId)
      .executeTakeFirst();
    if (!target) throw notFound('The team', 'team_not_found');
    const leads = (
      await trx
        .selectFrom('teamMembers')
        .select('userId')
        .where('workspaceId', '=', workspaceId)
        .where('teamId', '=', target.id)
        .where('lead', '=', true)
        .orderBy('userId')
        .execute()
    ).map((m) => m.userId);

    await trx
      .updateTable('conversations')
      .set({ teamId: target.id, assigneeId: null, updatedAt: new Date() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', conversationId)
      .execute();
    const data = {
      fromTeamId: before.teamId,
      toTeamId: target.id,
      toTeamName: target.name,
      fromAssigneeId: before.assigneeId,
      note: body.note ?? null,
      leadIds: leads,
    };
    await trx
      .insertInto('conversationEvents')
      .values({
        workspaceId,
        conversationId,
        type: 'conversation.escalated',
        actorType: 'user',
        actorId: actor.userId,
        data: JSON.stringify(data),
      })
      .execute();
    await recordEvents(trx, [
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.updated',
        // routed: the engine routes it below; the old team's drain is queued here.
        data: {
          changes: { teamId: target.id, assigneeId: null },
          escalated: true,
          routed: true,
          actorId: actor.userId,
        },
        broadcast: true,
      },
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.escalated',
        data: { ...data, actorId: actor.userId },
        broadcast: true,
      },
    ]);
    if (before.teamId && before.assigneeId)
      await enqueue(
        trx,
        drainJob,
        { workspaceId, teamId: before.teamId },
        { jobKey: `routing.drain:${before.teamId}` },
      );
    await routeIn(trx, { workspaceId, conversationId, trigger: 'escalation' });
  });
  return getConversation({ db: props.db, workspaceId, conversationId });
}
