import type { ChannelLimits, TeamSlaForecast } from '@parley/contract';
import { sql } from 'kysely';
import type { Db } from '../../database.js';
import { recordEvents, type NewEvent } from '../../platform/outbox.js';
import { availableNowSql } from '../availability/availability.sql.js';
import { agentLoads } from '../availability/capacity.js';
import { assertTeam, teamSettings } from '../teams/teams.service.js';
import { expectedAttainment, forecastQueue } from './forecast.js';

const MIN = 60_000;
/** Handling time assumed with fewer than this many recent samples. */
const MIN_SAMPLES = 5;
const DEFAULT_HANDLING_MS = 15 * MIN;

/** An agent's free slots: room under their roomiest channel limit (no limits: one at a time). */
function freeSlotsOf(
  limits: ChannelLimits,
  load: { byChannel: Record<string, { weighted: number } | undefined> },
) {
  const room = Object.entries(limits).map(
    ([channel, limit]) => limit - (load.byChannel[channel]?.weighted ?? 0),
  );
  if (room.length === 0) return 1;
  return Math.max(0, Math.floor(Math.max(...room)));
}

/**
 * A team's forecast now: its queue in order, the agents available now with their free
 * slots, the recent handling time and arrival rate; which waiting conversations are
 * expected to breach before anyone reaches them, and the Erlang C attainment of the
 * shortest first-response target with the agents available.
 */
export async function teamForecast(props: {
  db: Db;
  workspaceId: string;
  teamId: string;
  now?: Date;
}): Promise<TeamSlaForecast> {
  const { db, workspaceId, teamId } = props;
  const now = props.now ?? new Date();
  const team = await assertTeam(db, workspaceId, teamId);
  const queue = await db
    .selectFrom('conversations as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspaceId')
    .select([
      'c.id',
      'c.number',
      'c.subject',
      'c.firstResponseDueAt',
      'c.slaDueAt',
      'w.ticketPrefix',
    ])
    .where('c.workspaceId', '=', workspaceId)
    .where('c.teamId', '=', teamId)
    .where('c.assigneeId', 'is', null)
    .where('c.status', 'in', ['new', 'open'])
    .orderBy('c.priorityRank')
    .orderBy('c.createdAt')
    .orderBy('c.id')
    .limit(500)
    .execute();
  const queued = new Map(queue.map((c) => [c.id, c]));
  const available = await db
    .selectFrom('teamMembers as m')
    .innerJoin('users as u', (j) =>
      j.onRef('u.workspaceId', '=', 'm.workspaceId').onRef('u.id', '=', 'm.userId'),
    )
    .innerJoin('agents as a', (j) =>
      j.onRef('a.workspaceId', '=', 'm.workspaceId').onRef('a.userId', '=', 'm.userId'),
    )
    .select(['m.userId', 'a.capacity'])
    .where('m.workspaceId', '=', workspaceId)
    .where('m.teamId', '=', teamId)
    .where('u.status', '=', 'active')
    .where(availableNowSql(sql`${now}::timestamptz`))
    .execute();
  const teamLimits = team.capacity.limits ?? {};
  const loads = await agentLoads(
    db,
    workspaceId,
    available.map((a) => a.userId),
    team.capacity.priorityWeights ?? null,
  );
  const freeSlots = available.reduce((sum, a) => {
    const own = a.capacity.limits ?? {};
    const limits = Object.keys(own).length > 0 ? own : teamLimits;
    const load = loads.get(a.userId) ?? { count: 0, weighted: 0, byChannel: {} };
    return sum + freeSlotsOf(limits, load);
  }, 0);
  const { rows: stats } = await sql<{ median: number | null; samples: number; arrivals: number }>`
    select (select percentile_cont(0.5) within group (
                     order by extract(epoch from resolved_at - first_response_at) * 1000)
              from conversations
             where workspace_id = ${workspaceId} and team_id = ${teamId}
               and resolved_at > ${now}::timestamptz - interval '7 days'
               and first_response_at is not null and resolved_at > first_response_at) as median,
           (select count(*)::int from conversations
             where workspace_id = ${workspaceId} and team_id = ${teamId}
               and resolved_at > ${now}::timestamptz - interval '7 days'
               and first_response_at is not null and resolved_at > first_response_at) as samples,
           (select count(*)::int from conversations
             where workspace_id = ${workspaceId} and team_id = ${teamId}
               and created_at > ${now}::timestamptz - interval '2 hours') as arrivals`.execute(db);
  const samples = stats[0]?.samples ?? 0;
  const median = stats[0]?.median ?? null;
  const handlingMs =
    samples >= MIN_SAMPLES && median !== null
      ? Math.min(Math.max(median, MIN), 8 * 60 * MIN)
      : DEFAULT_HANDLING_MS;
  const arrivalsPerHour = (stats[0]?.arrivals ?? 0) / 2;

  const entries = forecastQueue({
    queue: queue.map((c) => ({
      id: c.id,
      number: c.number,
      dueAt: (c.firstResponseDueAt ?? c.slaDueAt)?.getTime() ?? null,
    })),
    availableAgents: available.length,
    freeSlots,
    handlingMs,
    now: now.getTime(),
  });

  const policies = await db
    .selectFrom('slaPolicies')
    .select('targets')
    .where('workspaceId', '=', workspaceId)
    .where('enabled', '=', true)
    .execute();
  const targets = policies.flatMap((p) =>
    p.targets.firstResponse ? [p.targets.firstResponse.seconds] : [],
  );
  const targetSeconds = targets.length > 0 ? Math.min(...targets) : null;
  let staffing: TeamSlaForecast['staffing'] = null;
  if (targetSeconds !== null) {
    const goal = teamSettings(team.settings).slaGoal;
    const attainment = expectedAttainment({
      agents: available.length,
      arrivalsPerHour,
      handlingMs,
      targetMs: targetSeconds * 1000,
    });
    staffing = {
      targetSeconds,
      expectedAttainment: Math.round(attainment * 1000) / 1000,
      goal,
      // Only when there is work to staff for.
      belowGoal: (arrivalsPerHour > 0 || queue.length > 0) && attainment < goal,
    };
  }
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    teamId,
    at: now.toISOString(),
    inputs: {
      queued: queue.length,
      availableAgents: available.length,
      freeSlots,
      handlingSeconds: Math.round(handlingMs / 1000),
      handlingSamples: samples,
      arrivalsPerHour,
    },
    conversations: entries.map((e) => ({
      id: e.id,
      number: e.number,
      displayNumber: `${queued.get(e.id)?.ticketPrefix ?? ''}${String(e.number)}`,
      subject: queued.get(e.id)?.subject ?? '',
      position: e.position,
      expectedReachAt: iso(e.expectedReachAt),
      dueAt: iso(e.dueAt),
      atRisk: e.atRisk,
    })),
    staffing,
  };
}

/**
 * Acts on a team's forecast: each waiting conversation newly at risk gets a
 * `conversation.sla_at_risk` (timeline and broadcast, with the inputs, to the team's leads),
 * once per due time; a team below its staffing goal gets `team.sla_staffing_alert` at most
 * hourly. Returns what it announced.
 */
export async function announceForecast(props: {
  db: Db;
  workspaceId: string;
  teamId: string;
  now?: Date;
}): Promise<{ atRisk: string[]; staffingAlert: boolean }> {
  const { db, workspaceId, teamId } = props;
  const forecast = await teamForecast(props);
  const now = new Date(forecast.at);
  const leads = await db
    .selectFrom('teamMembers')
    .select('userId')
    .where('workspaceId', '=', workspaceId)
    .where('teamId', '=', teamId)
    .where('lead', '=', true)
    .execute();
  const leadIds = leads.map((l) => l.userId);
  const announced: string[] = [];
  for (const entry of forecast.conversations) {
    if (!entry.atRisk || !entry.dueAt) continue;
    const key = `forecast:${entry.dueAt}`;
    const fired = await db.transaction().execute(async (trx) => {
      const state = await trx
        .selectFrom('conversationSlas')
        .select('fired')
        .where('workspaceId', '=', workspaceId)
        .where('conversationId', '=', entry.id)
        .forUpdate()
        .executeTakeFirst();
      if (!state || state.fired.includes(key)) return false;
      await trx
        .updateTable('conversationSlas')
        .set({ fired: [...state.fired, key] })
        .where('workspaceId', '=', workspaceId)
        .where('conversationId', '=', entry.id)
        .execute();
      const data = {
        target: 'firstResponse',
        dueAt: entry.dueAt,
        expectedReachAt: entry.expectedReachAt,
        position: entry.position,
        inputs: forecast.inputs,
        teamId,
      };
      await trx
        .insertInto('conversationEvents')
        .values({
          workspaceId,
          conversationId: entry.id,
          type: 'conversation.sla_at_risk',
          actorType: 'system',
          actorId: null,
          data: JSON.stringify(data),
        })
        .execute();
      await recordEvents(trx, [
        {
          workspaceId,
          aggregateType: 'conversation',
          aggregateId: entry.id,
          type: 'conversation.sla_at_risk',
          data: { ...data, assigneeId: null, leadIds, policyName: 'forecast' },
          broadcast: true,
        },
      ]);
      return true;
    });
    if (fired) announced.push(entry.id);
  }

  let staffingAlert = false;
  if (forecast.staffing?.belowGoal) {
    staffingAlert = await db.transaction().execute(async (trx) => {
      const wrote = await trx
        .insertInto('slaTeamAlerts')
        .values({
          workspaceId,
          teamId,
          kind: 'staffing',
          firedAt: now,
          data: JSON.stringify({ inputs: forecast.inputs, staffing: forecast.staffing }),
        })
        .onConflict((oc) =>
          oc
            .columns(['workspaceId', 'teamId', 'kind'])
            .doUpdateSet({
              firedAt: now,
              data: JSON.stringify({ inputs: forecast.inputs, staffing: forecast.staffing }),
            })
            .where('slaTeamAlerts.firedAt', '<', new Date(now.getTime() - 60 * MIN)),
        )
        .returning('firedAt')
        .executeTakeFirst();
      // Nothing returned: alerted within the hour.
      if (!wrote) return false;
      const event: NewEvent = {
        workspaceId,
        aggregateType: 'team',
        aggregateId: teamId,
        type: 'team.sla_staffing_alert',
        data: { inputs: forecast.inputs, staffing: forecast.staffing, leadIds },
        broadcast: true,
      };
      await recordEvents(trx, [event]);
      return true;
    });
  }
  return { atRisk: announced, staffingAlert };
}

/** The teams worth a forecast: those with waiting conversations whose SLA clock runs. */
export async function teamsWithRunningQueues(db: Db) {
  return db
    .selectFrom('conversations')
    .select(['workspaceId', 'teamId'])
    .distinct()
    .where('teamId', 'is not', null)
    .where('assigneeId', 'is', null)
    .where('status', 'in', ['new', 'open'])
    .where('slaDueAt', 'is not', null)
    .execute();
}
