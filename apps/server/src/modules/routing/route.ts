import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';
import type { NewEvent } from '../../platform/outbox.js';
import { availableSql } from '../availability/availability.sql.js';
import { eligibleAgents } from '../availability/eligible.js';
import {
  applyArrival,
  ruleEscalation,
  type ArrivalDecision,
  type ConversationRow,
} from './arrival.js';
import { orderCandidates, why } from './decide.js';
import { recordSystemTimelineAndEvents } from '../conversations/conversations.service.js';

/**
 * Why routing ran: a new conversation (rules apply), a queue drain (the team is set), or a
 * conversation that just moved to another team by overflow or escalation (like a drain, but
 * it waits for a locked row and, when nobody can take it, says so in the timeline).
 */
export type RouteTrigger = 'arrival' | 'drain' | 'overflow' | 'escalation';

export { orderCandidates } from './decide.js';

export type RouteOutcome =
  | { outcome: 'assigned'; agentId: string; teamId: string }
  | { outcome: 'queued'; teamId: string; reason: QueueReason; candidates: number }
  | { outcome: 'not_routed'; reason: 'no_rule_matched' | 'no_team' }
  | {
      outcome: 'skipped';
      reason: 'gone' | 'assigned' | 'closed' | 'not_queued' | 'locked' | 'already_routed';
    };

export type QueueReason =
  | 'manual_strategy'
  | 'team_has_no_members'
  | 'nobody_available'
  | 'all_at_capacity_or_missing_skills';

/**
 * Routes one conversation in ONE transaction: locks its row (a drain skips a locked one),
 * stops if it is assigned, resolved or closed (a drain also if it is not new/open); on
 * arrival applies the first matching enabled rule (team, required skills, priority, tags);
 * then the team's strategy orders `eligibleAgents` and the first whose `agents` row, locked
 * `for update`, still passes the eligibility check (presence, hours, absence, load under
 * the limit, read after the lock) is assigned. Otherwise the conversation waits in the
 * team queue. The timeline says what happened and why; the outbox gets
 * `conversation.updated` (so notifications fire) and `conversation.assigned`/`queued`.
 */
export async function routeConversation(
  db: Db,
  props: { workspaceId: string; conversationId: string; trigger: RouteTrigger; at?: Date },
): Promise<RouteOutcome> {
  return db.transaction().execute((trx) => routeIn(trx, props));
}

/** `routeConversation` inside the caller's transaction (overflow and escalation move first). */
export async function routeIn(
  trx: Tx,
  props: { workspaceId: string; conversationId: string; trigger: RouteTrigger; at?: Date },
): Promise<RouteOutcome> {
  const { workspaceId, conversationId, trigger } = props;
  const at = props.at ?? new Date();
  let lock = trx
    .selectFrom('conversations')
    .select([
      'id',
      'status',
      'assigneeId',
      'teamId',
      'requiredSkills',
      'priority',
      'tags',
      'channel',
      'language',
      'subject',
      'contactId',
      'category',
      'customFields',
      // The outbox delivers at least once: an arrival already decided (queued, not routed) is
      // not decided again; the queue's drains take it from there.
      trigger === 'arrival'
        ? sql<boolean>`exists (
            select 1 from conversation_events e
             where e.workspace_id = conversations.workspace_id
               and e.conversation_id = conversations.id
               and e.type in ('conversation.routed', 'conversation.queued', 'conversation.not_routed')
               and e.data->>'trigger' = 'arrival')`.as('decided')
        : sql<boolean>`false`.as('decided'),
    ])
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', conversationId)
    .forUpdate();
  if (trigger === 'drain') lock = lock.skipLocked();
  const locked = await lock.executeTakeFirst();
  if (!locked) return { outcome: 'skipped', reason: trigger === 'drain' ? 'locked' : 'gone' };
  const { decided, ...row } = locked;
  const conversation: ConversationRow = row;
  if (conversation.assigneeId) return { outcome: 'skipped', reason: 'assigned' };
  if (conversation.status === 'resolved' || conversation.status === 'closed')
    return { outcome: 'skipped', reason: 'closed' };
  if (trigger === 'drain' && conversation.status !== 'new' && conversation.status !== 'open')
    return { outcome: 'skipped', reason: 'not_queued' };

  if (decided) return { outcome: 'skipped', reason: 'already_routed' };

  const events: NewEvent[] = [];
  const timeline: { type: string; data: Record<string, unknown> }[] = [];
  const changes: Record<string, unknown> = {};
  let rule: ArrivalDecision['rule'] = null;
  let defaultTeam: ArrivalDecision['defaultTeam'] = null;
  let escalatedFrom: ArrivalDecision['escalatedFrom'] = null;
  let languageSkill: ArrivalDecision['languageSkill'] = null;
  const current = { ...conversation };

  if (trigger === 'arrival') {
    ({ rule, defaultTeam, languageSkill, escalatedFrom } = await applyArrival(
      trx,
      workspaceId,
      conversation,
      current,
      changes,
      at,
    ));
    if (Object.keys(changes).length > 0)
      await trx
        .updateTable('conversations')
        .set({
          teamId: current.teamId,
          requiredSkills: current.requiredSkills,
          priority: current.priority,
          tags: current.tags,
          updatedAt: new Date(),
        })
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', conversationId)
        .execute();
  }
  const ruleData = rule && {
    id: rule.id,
    name: rule.name,
    conditions: rule.held,
    // What the rule changed (a copy: the assignment is added to `changes` later).
    applied: { ...changes },
  };
  // A rule that escalates: the specialist team's leads are told, like an agent's escalation.
  if (rule && escalatedFrom && current.teamId) {
    const escalation = await ruleEscalation(trx, workspaceId, rule, escalatedFrom, current.teamId);
    timeline.push({ type: 'conversation.escalated', data: escalation });
    events.push({
      workspaceId,
      aggregateType: 'conversation',
      aggregateId: conversationId,
      type: 'conversation.escalated',
      data: { ...escalation, actorId: null },
      broadcast: true,
    });
  }

  const finish = async (outcome: RouteOutcome): Promise<RouteOutcome> => {
    if (Object.keys(changes).length > 0)
      events.unshift({
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.updated',
        data: { changes, routed: true, actorId: null },
        broadcast: true,
      });
    await recordSystemTimelineAndEvents(trx, workspaceId, conversationId, timeline, events);
    return outcome;
  };

  if (!current.teamId) {
    const reason = rule ? 'no_team' : 'no_rule_matched';
    const explanation = rule
      ? `Rule "${rule.name}" matched but names no team, and the conversation has none`
      : 'No routing rule matched and no team is marked as the default: it waits unassigned, without a team';
    timeline.push({
      type: 'conversation.not_routed',
      data: { trigger, reason, explanation, rule: ruleData },
    });
    return finish({ outcome: 'not_routed', reason });
  }
  const teamId = current.teamId;
  const team = await trx
    .selectFrom('teams')
    .select('assignmentStrategy')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', teamId)
    .executeTakeFirstOrThrow();
  const strategy = team.assignmentStrategy;

  const queue = async (
    reason: QueueReason,
    candidates: number,
    team?: { members: number; available: number },
  ) => {
    // A drain that finds nobody leaves the conversation where it was, saying nothing again.
    if (trigger !== 'drain') {
      timeline.push({
        type: 'conversation.queued',
        data: {
          trigger,
          reason,
          rule: ruleData,
          ...(defaultTeam ? { defaultTeam } : {}),
          ...(languageSkill ? { languageSkill } : {}),
          teamId,
          strategy,
          candidates,
          ...team,
        },
      });
      events.push({
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.queued',
        data: { teamId, reason },
      });
    }
    return finish({ outcome: 'queued', teamId, reason, candidates });
  };

  if (strategy === 'manual') return queue('manual_strategy', 0);

  const eligibility = {
    workspaceId,
    teamId,
    channel: current.channel,
    priority: current.priority,
    requiredSkills: current.requiredSkills,
    at,
  };
  const eligible = await eligibleAgents(trx, eligibility);
  if (eligible.length === 0) {
    const counts = await teamCounts(trx, workspaceId, teamId, at);
    const reason: QueueReason =
      counts.members === 0
        ? 'team_has_no_members'
        : counts.available === 0
          ? 'nobody_available'
          : 'all_at_capacity_or_missing_skills';
    return queue(reason, 0, counts);
  }

  const candidates = eligible;
  const previousAssignee =
    strategy === 'sticky'
      ? ((
          await trx
            .selectFrom('conversations')
            .select('assigneeId')
            .where('workspaceId', '=', workspaceId)
            .where('contactId', '=', current.contactId)
            .where('id', '!=', conversationId)
            .where('assigneeId', 'is not', null)
            .orderBy('createdAt', 'desc')
            .orderBy('id', 'desc')
            .limit(1)
            .executeTakeFirst()
        )?.assigneeId ?? null)
      : null;

  const skipped: string[] = [];
  for (const candidate of orderCandidates(strategy, candidates, previousAssignee)) {
    // The agent's row is the capacity lock: whoever assigns to them holds it until commit,
    // so the re-check below (a new snapshot, after any such commit) sees their real load.
    // A candidate who fails it is let go (rolling back to the savepoint releases the row
    // lock), so a router holds at most one agent lock and two routers cannot deadlock.
    await sql`savepoint routing_candidate`.execute(trx);
    await sql`select 1 from agents where workspace_id = ${workspaceId} and user_id = ${candidate.userId} for update`.execute(
      trx,
    );
    const [recheck] = await eligibleAgents(trx, { ...eligibility, userId: candidate.userId });
    if (!recheck) {
      await sql`rollback to savepoint routing_candidate`.execute(trx);
      skipped.push(candidate.userId);
      continue;
    }
    await sql`release savepoint routing_candidate`.execute(trx);
    const chosen = { ...candidate, ...recheck };
    await trx
      .updateTable('conversations')
      .set({ assigneeId: chosen.userId, updatedAt: new Date() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', conversationId)
      .execute();
    // Round robin's turn, and the fairness count (today's assignments on the workspace's
    // day), both under the agent's lock, in one statement.
    await sql`
      with turn as (
        update team_members set last_assigned_at = clock_timestamp()
         where workspace_id = ${workspaceId} and team_id = ${teamId} and user_id = ${chosen.userId}
      )
      update agents a
         set assigned_today = case when a.assigned_day = d.day then a.assigned_today + 1 else 1 end,
             assigned_day = d.day
        from (select (${at}::timestamptz at time zone w.time_zone)::date as day
                from workspaces w where w.id = ${workspaceId}) d
       where a.workspace_id = ${workspaceId} and a.user_id = ${chosen.userId}`.execute(trx);
    changes.assigneeId = chosen.userId;
    timeline.push({
      type: 'conversation.routed',
      data: {
        trigger,
        rule: ruleData,
        ...(defaultTeam ? { defaultTeam } : {}),
        ...(languageSkill ? { languageSkill } : {}),
        teamId,
        strategy,
        candidates: candidates.length,
        agentId: chosen.userId,
        why: why(strategy, chosen, previousAssignee),
        load: { channel: chosen.channelLoad, total: chosen.totalLoad, limit: chosen.limit },
        skillScore: chosen.skillScore,
        assignedToday: chosen.assignedToday,
        ...(skipped.length > 0 ? { skippedAfterRecheck: skipped } : {}),
      },
    });
    events.push({
      workspaceId,
      aggregateType: 'conversation',
      aggregateId: conversationId,
      type: 'conversation.assigned',
      data: { assigneeId: chosen.userId, teamId, strategy, ruleId: rule?.id ?? null },
      broadcast: true,
    });
    return finish({ outcome: 'assigned', agentId: chosen.userId, teamId });
  }
  return queue('all_at_capacity_or_missing_skills', candidates.length);
}

/** The team's active members and how many of them are available (online, in hours, present). */
async function teamCounts(
  trx: Tx,
  workspaceId: string,
  teamId: string,
  at: Date,
): Promise<{ members: number; available: number }> {
  const { rows } = await sql<{ members: number; available: number }>`
    select count(*)::int as members,
           count(*) filter (where ${availableSql(at)})::int as available
      from team_members m
      join users u on u.workspace_id = m.workspace_id and u.id = m.user_id and u.status = 'active'
      left join agents a on a.workspace_id = m.workspace_id and a.user_id = m.user_id
     where m.workspace_id = ${workspaceId} and m.team_id = ${teamId}`.execute(trx);
  return rows[0] ?? { members: 0, available: 0 };
}
