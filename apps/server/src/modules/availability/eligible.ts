import type { Channel, PriorityWeights } from '@parley/contract';
import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { availableSql } from './availability.sql.js';

/** A member of a team who could take a conversation now, with what strategies rank by. */
export interface EligibleAgent {
  userId: string;
  /** Weighted load in the conversation's channel (new/open conversations assigned). */
  channelLoad: number;
  /** Conversations new/open assigned in every channel (unweighted). */
  totalLoad: number;
  /** Sum of the agent's levels in the required skills (0 when none are required). */
  skillScore: number;
  /** The limit that applied in the channel (agent's, else the team's), null: none. */
  limit: number | null;
  /** Conversations the engine gave them on the workspace's current day (fairness). */
  assignedToday: number;
  /** When this team's routing last assigned them (round robin's order). */
  lastAssignedAt: Date | null;
}

/**
 * The agents of `teamId` who may take one more conversation of `channel` at `at`, in ONE
 * statement: active members, available (online, inside working hours in their zone, not
 * absent: `availableSql`), holding every required skill, and under their limit in the
 * channel after adding this conversation's weight (the agent's own limit, else the
 * team's; weights from the team's `priorityWeights`, else 1), with how many conversations
 * the engine gave each on the workspace's current day. Ordered by user id; the
 * routing engine's strategy orders and picks (and locks the chosen agent's row).
 */
export async function eligibleAgents(
  db: Db | Tx,
  props: {
    workspaceId: string;
    teamId: string;
    channel: Channel;
    priority?: keyof PriorityWeights;
    requiredSkills?: string[];
    at?: Date;
    /** Only this member (the routing engine's re-check under the agent's row lock). */
    userId?: string;
  },
): Promise<EligibleAgent[]> {
  const at = props.at ?? new Date();
  const required = [...new Set(props.requiredSkills ?? [])];
  const weight = (column: string) =>
    sql`coalesce((t.capacity->'priorityWeights'->>${column})::numeric, 1)`;
  const { rows } = await sql<{
    userId: string;
    channelLoad: string;
    totalLoad: number;
    skillScore: number;
    limit: number | null;
    assignedToday: number;
    lastAssignedAt: Date | null;
  }>`
    select m.user_id, l.channel_load, l.total_load, k.skill_score, lim.value as limit,
           m.last_assigned_at,
           case when a.assigned_day = (${at}::timestamptz at time zone w.time_zone)::date
                then a.assigned_today else 0 end as assigned_today
      from teams t
      join workspaces w on w.id = t.workspace_id
      join team_members m on m.workspace_id = t.workspace_id and m.team_id = t.id
      join users u on u.workspace_id = m.workspace_id and u.id = m.user_id and u.status = 'active'
      join agents a on a.workspace_id = m.workspace_id and a.user_id = m.user_id
      cross join lateral (
        select coalesce(sum(case c.priority when 'low' then ${weight('low')}
                                            when 'normal' then ${weight('normal')}
                                            when 'high' then ${weight('high')}
                                            else ${weight('urgent')} end)
                          filter (where c.channel = ${props.channel}), 0) as channel_load,
               count(*)::int as total_load
          from conversations c
         where c.workspace_id = m.workspace_id and c.assignee_id = m.user_id
           and c.status in ('new', 'open')) l
      cross join lateral (
        select count(*)::int as skills, coalesce(sum(s.level), 0)::int as skill_score
          from agent_skills s
         where s.workspace_id = m.workspace_id and s.user_id = m.user_id
           and s.skill_id = any(${required}::uuid[])) k
      cross join lateral (
        select coalesce((a.capacity->'limits'->>${props.channel})::int,
                        (t.capacity->'limits'->>${props.channel})::int) as value) lim
     where t.workspace_id = ${props.workspaceId} and t.id = ${props.teamId}
       and (${props.userId ?? null}::uuid is null or m.user_id = ${props.userId ?? null}::uuid)
       and ${availableSql(at)}
       and k.skills = ${required.length}
       and (lim.value is null
            or l.channel_load + ${weight(props.priority ?? 'normal')} <= lim.value)
     order by m.user_id`.execute(db);
  return rows.map((r) => ({ ...r, channelLoad: Number(r.channelLoad) }));
}
