import type { ChannelLimits, QueuesOverview } from '@parley/contract';
import { sql } from 'kysely';
import type { Db } from '../../database.js';
import { availableNowSql } from '../availability/availability.sql.js';
import { assertTeam } from '../teams/teams.service.js';

/**
 * The manager view, in two statements: per team, the queue (new or open, nobody assigned:
 * how many, and the oldest wait, from when each entered the queue) and its unresolved work;
 * per agent of those teams, presence, availability now, load (new/open assigned, per
 * channel) and what the engine gave them today; the teams' default limits and the agents' own,
 * so a manager sees load against capacity. `teamId` narrows both to one team.
 */
export async function getQueues(props: {
  db: Db;
  workspaceId: string;
  teamId?: string;
  at?: Date;
}): Promise<QueuesOverview> {
  const { db, workspaceId } = props;
  const at = props.at ?? new Date();
  if (props.teamId) await assertTeam(db, workspaceId, props.teamId);
  const teamId = props.teamId ?? null;
  const teams = await sql<{
    teamId: string;
    name: string;
    queued: number;
    oldestQueuedAt: Date | null;
    open: number;
    members: number;
    available: number;
    limits: ChannelLimits | null;
  }>`
    select t.id as team_id, t.name, q.queued, q.oldest_queued_at, q.open, m.members, m.available,
           t.capacity->'limits' as limits
      from teams t
      cross join lateral (
        select count(*) filter (where c.assignee_id is null and c.status in ('new', 'open'))::int
                 as queued,
               min(coalesce(c.queued_at, c.created_at))
                 filter (where c.assignee_id is null and c.status in ('new', 'open'))
                 as oldest_queued_at,
               count(*)::int as open
          from conversations c
         where c.workspace_id = t.workspace_id and c.team_id = t.id
           and c.status in ('new', 'open', 'pending', 'on_hold')) q
      cross join lateral (
        select count(*)::int as members,
               count(*) filter (where ${availableNowSql(sql`${at}::timestamptz`)})::int as available
          from team_members tm
          join users u on u.workspace_id = tm.workspace_id and u.id = tm.user_id
                      and u.status = 'active'
          left join agents a on a.workspace_id = tm.workspace_id and a.user_id = tm.user_id
         where tm.workspace_id = t.workspace_id and tm.team_id = t.id) m
     where t.workspace_id = ${workspaceId} and (${teamId}::uuid is null or t.id = ${teamId}::uuid)
     order by q.oldest_queued_at nulls last, lower(t.name), t.id`.execute(db);

  const agents = await sql<{
    userId: string;
    name: string;
    presence: 'online' | 'away' | 'offline';
    availableNow: boolean;
    teamIds: string[];
    total: number;
    byChannel: Record<string, number> | null;
    assignedToday: number;
    limits: ChannelLimits | null;
  }>`
    select u.id as user_id, u.name, coalesce(a.presence, 'offline') as presence,
           a.capacity->'limits' as limits,
           ${availableNowSql(sql`${at}::timestamptz`)} as available_now,
           tm.team_ids, coalesce(l.total, 0)::int as total, l.by_channel,
           case when a.assigned_day = (${at}::timestamptz at time zone w.time_zone)::date
                then a.assigned_today else 0 end as assigned_today
      from users u
      join workspaces w on w.id = u.workspace_id
      cross join lateral (
        select array_agg(m.team_id order by m.team_id) as team_ids
          from team_members m
         where m.workspace_id = u.workspace_id and m.user_id = u.id) tm
      left join agents a on a.workspace_id = u.workspace_id and a.user_id = u.id
      left join lateral (
        select sum(n) as total, jsonb_object_agg(channel, n) as by_channel
          from (select c.channel, count(*)::int as n
                  from conversations c
                 where c.workspace_id = u.workspace_id and c.assignee_id = u.id
                   and c.status in ('new', 'open')
                 group by c.channel) x) l on true
     where u.workspace_id = ${workspaceId} and u.status = 'active'
       and tm.team_ids is not null
       and (${teamId}::uuid is null or ${teamId}::uuid = any(tm.team_ids))
     order by coalesce(l.total, 0) desc, lower(u.name), u.id`.execute(db);

  return {
    at: at.toISOString(),
    teams: teams.rows.map((r) => ({
      teamId: r.teamId,
      name: r.name,
      queued: r.queued,
      oldestQueuedAt: r.oldestQueuedAt?.toISOString() ?? null,
      oldestWaitSeconds: r.oldestQueuedAt
        ? Math.max(0, Math.round((at.getTime() - r.oldestQueuedAt.getTime()) / 1000))
        : null,
      open: r.open,
      members: r.members,
      available: r.available,
      limits: r.limits ?? {},
    })),
    agents: agents.rows.map((r) => ({
      userId: r.userId,
      name: r.name,
      presence: r.presence,
      availableNow: r.availableNow,
      teamIds: r.teamIds,
      load: { total: r.total, byChannel: r.byChannel ?? {} },
      limits: r.limits ?? {},
      assignedToday: r.assignedToday,
    })),
  };
}
