import { sql } from 'kysely';
import type { Tx } from '../../database.js';
import { recordEvents } from '../../platform/outbox.js';

export interface HandBackProps {
  workspaceId: string;
  /** The agent who is leaving. */
  agentId: string;
  /**
   * `absence`: every unresolved conversation goes, to the delegate where its team says
   * `handBack: 'delegate'` (the default, also for conversations without a team), else to
   * the queue. `offline`: only those of teams with `handBackOnOffline`, to the queue.
   * `deactivated`: every unresolved conversation, to the queue.
   */
  reason: 'absence' | 'offline' | 'deactivated';
  /** An active, present delegate, or null (then everything goes to the queue). */
  delegateId: string | null;
  absenceId?: string;
  /** Who caused it: a user (presence set by hand) or the system (an absence starting). */
  actor: { type: 'user' | 'system'; id: string | null };
}

/**
 * Hands an agent's unresolved conversations (new, open, pending, on hold) back to their
 * team's queue (no assignee) or to a delegate, in the caller's transaction: one statement
 * moves them and writes a `conversation.handed_back` timeline entry in each; outbox events
 * `conversation.updated` (and `conversation.queued` for the queue) follow. Returns what moved.
 */
export async function handBackConversations(
  trx: Tx,
  props: HandBackProps,
): Promise<{ conversationId: string; teamId: string | null; to: string | null }[]> {
  const { workspaceId, agentId, reason, delegateId } = props;
  // Result columns come back camelCased (the CamelCasePlugin).
  const { rows } = await sql<{ id: string; teamId: string | null; assigneeId: string | null }>`
    with candidates as (
      select c.id,
             coalesce(t.settings->>'handBack', 'delegate') as hand_back,
             coalesce((t.settings->>'handBackOnOffline')::boolean, false) as on_offline
        from conversations c
        left join teams t on t.workspace_id = c.workspace_id and t.id = c.team_id
       where c.workspace_id = ${workspaceId} and c.assignee_id = ${agentId}
         and c.status in ('new', 'open', 'pending', 'on_hold')
       order by c.id
         for update of c
    ), moved as (
      update conversations c
         set assignee_id = case when ${reason} = 'absence' and k.hand_back = 'delegate'
                                then ${delegateId}::uuid end,
             updated_at = now()
        from candidates k
       where c.workspace_id = ${workspaceId} and c.id = k.id
         and (${reason} <> 'offline' or k.on_offline)
      returning c.id, c.team_id, c.assignee_id
    ), timeline as (
      insert into conversation_events (workspace_id, conversation_id, type, actor_type, actor_id, data)
      select ${workspaceId}::uuid, m.id, 'conversation.handed_back', ${props.actor.type}::text,
             ${props.actor.id}::uuid,
             jsonb_build_object('from', ${agentId}::uuid, 'to', m.assignee_id,
               'reason', ${reason}::text, 'absenceId', ${props.absenceId ?? null}::uuid,
               'teamId', m.team_id)
        from moved m
    )
    select id, team_id, assignee_id from moved order by id`.execute(trx);
  await recordEvents(
    trx,
    rows.flatMap((row) => [
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: row.id,
        type: 'conversation.updated',
        data: {
          changes: { assigneeId: row.assigneeId },
          handedBack: { from: agentId, reason },
          actorId: props.actor.id,
        },
        broadcast: true,
      },
      ...(row.assigneeId === null
        ? [
            {
              workspaceId,
              aggregateType: 'conversation',
              aggregateId: row.id,
              type: 'conversation.queued',
              data: { teamId: row.teamId, reason: 'hand_back' },
            },
          ]
        : []),
    ]),
  );
  return rows.map((r) => ({ conversationId: r.id, teamId: r.teamId, to: r.assigneeId }));
}
