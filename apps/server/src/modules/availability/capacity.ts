import type { Channel, ChannelLimits, Priority, PriorityWeights } from '@parley/contract';
import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';

/** An agent's current work: conversations new or open assigned to them, per channel. */
export interface AgentLoad {
  count: number;
  weighted: number;
  byChannel: Partial<Record<Channel, { count: number; weighted: number }>>;
}

const weightOf = (weights: PriorityWeights | null | undefined, priority: Priority) =>
  weights ? weights[priority] : 1;

/**
 * The current load of each of `userIds` in one statement (the conversations' assignee
 * index), weighted by priority when `weights` are given (else each conversation counts 1).
 * Agents without work are in the map with zero.
 */
export async function agentLoads(
  db: Db | Tx,
  workspaceId: string,
  userIds: string[],
  weights?: PriorityWeights | null,
): Promise<Map<string, AgentLoad>> {
  const loads = new Map<string, AgentLoad>(
    userIds.map((id) => [id, { count: 0, weighted: 0, byChannel: {} }]),
  );
  if (userIds.length === 0) return loads;
  const { rows } = await sql<{ assignee: string; channel: Channel; priority: Priority; n: number }>`
    select assignee_id as assignee, channel, priority, count(*)::int as n
      from conversations
     where workspace_id = ${workspaceId} and assignee_id = any(${userIds}::uuid[])
       and status in ('new', 'open')
     group by 1, 2, 3`.execute(db);
  for (const row of rows) {
    const load = loads.get(row.assignee);
    if (!load) continue;
    const weighted = row.n * weightOf(weights, row.priority);
    load.count += row.n;
    load.weighted += weighted;
    const channel = (load.byChannel[row.channel] ??= { count: 0, weighted: 0 });
    channel.count += row.n;
    channel.weighted += weighted;
  }
  return loads;
}

/** The limits that apply to an agent in a team: the agent's own per channel, else the team's. */
export function effectiveLimits(team: ChannelLimits, agent: ChannelLimits): ChannelLimits {
  return { ...team, ...agent };
}

/**
 * Whether one more conversation of `channel` (counting `weight`) fits under the limits;
 * a channel without a limit always has room.
 */
export function hasRoom(
  limits: ChannelLimits,
  load: AgentLoad,
  channel: Channel,
  weight = 1,
): boolean {
  const limit = limits[channel];
  if (limit === undefined) return true;
  return (load.byChannel[channel]?.weighted ?? 0) + weight <= limit;
}
