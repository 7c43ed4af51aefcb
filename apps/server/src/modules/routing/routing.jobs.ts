import { Type } from '@sinclair/typebox';
import type { DeliveryContext } from '../../platform/outbox.js';
import type { Services } from '../../context.js';
import { cancelJob, defineJob, enqueue, type JobDefinition } from '../../platform/jobs.js';
import { nextWorkStart } from '../availability/schedule.js';
import { drainTeam } from './drain.js';
import { overflowJob, rescheduleTeamOverflow, runOverflow, scheduleOverflow } from './overflow.js';
import { routeConversation } from './route.js';

// Job payloads are checked without formats (graphile-worker payloads are plain JSON).
const Id = Type.String({ minLength: 1 });

export const routeJob = {
  name: 'routing.route',
  payload: Type.Object({ workspaceId: Id, conversationId: Id }),
  maxAttempts: 10,
};

/** Drains one team's queue, or (`userId`) the queues of every team the agent is in. */
export const drainJob = {
  name: 'routing.drain',
  payload: Type.Object({
    workspaceId: Id,
    teamId: Type.Optional(Id),
    userId: Type.Optional(Id),
  }),
  maxAttempts: 10,
};

/** At the moment an agent's working hours begin: drain their teams, set the next one. */
export const hoursJob = {
  name: 'routing.hours_started',
  payload: Type.Object({ workspaceId: Id, userId: Id }),
  maxAttempts: 10,
};

const hoursJobKey = (userId: string) => `routing.hours:${userId}`;

/**
 * Puts the agent's `routing.hours_started` job at the next start of their working hours
 * (after `after`), or removes it when they have no schedule. One job per agent (job key).
 */
export async function scheduleHoursStart(
  services: Services,
  workspaceId: string,
  userId: string,
  after: Date = new Date(),
): Promise<Date | null> {
  const agent = await services.db
    .selectFrom('agents')
    .select(['timeZone', 'weeklyHours'])
    .where('workspaceId', '=', workspaceId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  const next =
    agent?.timeZone && agent.weeklyHours
      ? nextWorkStart({ timeZone: agent.timeZone, weeklyHours: agent.weeklyHours }, after)
      : null;
  if (!next) await cancelJob(services.db, hoursJobKey(userId));
  else
    await enqueue(
      services.db,
      hoursJob,
      { workspaceId, userId },
      { jobKey: hoursJobKey(userId), runAt: next },
    );
  return next;
}

/** The hours job: drains the agent's teams (they are in hours now), then sets the next start. */
export async function runHoursStarted(
  services: Services,
  { workspaceId, userId }: { workspaceId: string; userId: string },
): Promise<number> {
  const user = await services.db
    .selectFrom('users')
    .select('status')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  // Gone or deactivated: no more starts.
  if (user?.status !== 'active') {
    await cancelJob(services.db, hoursJobKey(userId));
    return 0;
  }
  let assigned = 0;
  for (const team of await teamsOf(services, workspaceId, userId))
    assigned += await drainTeam(services.db, { workspaceId, teamId: team });
  // The next start: a minute on, so this one is never found again.
  await scheduleHoursStart(services, workspaceId, userId, new Date(Date.now() + 60_000));
  return assigned;
}

export function routingJobs(services: Services): JobDefinition[] {
  const { db } = services;
  return [
    defineJob({
      ...overflowJob,
      async handler(payload) {
        await runOverflow(db, payload);
      },
    }),
    defineJob({
      ...hoursJob,
      async handler(payload) {
        await runHoursStarted(services, payload);
      },
    }),
    defineJob({
      ...routeJob,
      async handler(payload) {
        await routeConversation(db, { ...payload, trigger: 'arrival' });
      },
    }),
    defineJob({
      ...drainJob,
      async handler({ workspaceId, teamId, userId }) {
        const teams = teamId
          ? [teamId]
          : userId
            ? await teamsOf(services, workspaceId, userId)
            : [];
        for (const team of teams) await drainTeam(db, { workspaceId, teamId: team });
      },
    }),
  ];
}

async function teamsOf(services: Services, workspaceId: string, userIds: string | string[]) {
  const ids = Array.isArray(userIds) ? userIds : [userIds];
  if (ids.length === 0) return [];
  const rows = await services.db
    .selectFrom('teamMembers')
    .select('teamId')
    .distinct()
    .where('workspaceId', '=', workspaceId)
    .where('userId', 'in', ids)
    .execute();
  return rows.map((r) => r.teamId);
}

function drainTeams(services: Services, workspaceId: string, teamIds: Iterable<string>) {
  return Promise.all(
    [...new Set(teamIds)].map((teamId) =>
      enqueue(
        services.db,
        drainJob,
        { workspaceId, teamId },
        { jobKey: `routing.drain:${teamId}` },
      ),
    ),
  );
}

/**
 * New conversations (not automatic ones) are routed; queues drain when capacity may have
 * freed: a conversation leaves someone's open work (resolved, closed, pending, on hold,
 * unassigned, moved), a conversation comes back to a queue (hand-back), an agent comes
 * online, an absence ends (a drain job at its end) or is deleted, working hours begin (a
 * job at each start), a limit or strategy changes, the members change. A conversation
 * entering a queue gets its overflow job at the moment its team's threshold passes.
 */
export function routingSubscribers(services: Services): void {
  const { outbox } = services;
  outbox.subscribe('conversation.created', 'routing-route', (event, context) => {
    const data = event.data as { automated?: boolean };
    if (data.automated) return;
    context.enqueue(
      routeJob,
      { workspaceId: event.workspaceId, conversationId: event.aggregateId },
      { jobKey: `routing.route:${event.aggregateId}` },
    );
  });

  outbox.subscribe('conversation.updated', 'routing-drain', async (event) => {
    const data = event.data as { changes?: Record<string, unknown>; routed?: boolean };
    const changes = data.changes ?? {};
    // The engine's own assignments take capacity, they do not free it.
    if (data.routed) return;
    // A conversation moved to another team by hand waits there: its overflow clock starts.
    if ('teamId' in changes)
      await scheduleOverflow(services.db, event.workspaceId, event.aggregateId);
    const status = changes.status;
    const frees =
      'assigneeId' in changes ||
      'teamId' in changes ||
      status === 'resolved' ||
      status === 'closed' ||
      status === 'pending' ||
      status === 'on_hold';
    if (!frees) return;
    const row = await services.db
      .selectFrom('conversations')
      .select(['teamId', 'assigneeId'])
      .where('workspaceId', '=', event.workspaceId)
      .where('id', '=', event.aggregateId)
      .executeTakeFirst();
    if (!row) return;
    const teams = [
      ...(row.teamId ? [row.teamId] : []),
      // The assignee of a conversation that stopped counting may now take one of any team.
      ...(row.assigneeId && typeof status === 'string'
        ? await teamsOf(services, event.workspaceId, row.assigneeId)
        : []),
    ];
    await drainTeams(services, event.workspaceId, teams);
  });

  // Whatever put it there, a conversation waiting in a queue overflows at its team's threshold.
  outbox.subscribe('conversation.queued', 'routing-overflow', (event) =>
    scheduleOverflow(services.db, event.workspaceId, event.aggregateId),
  );

  outbox.subscribe('conversation.queued', 'routing-drain', async (event) => {
    const data = event.data as { teamId?: string | null; reason?: string };
    // Only hand-backs: the engine's own "queued" means nobody could take it just now.
    if (data.reason !== 'hand_back' || !data.teamId) return;
    await drainTeams(services, event.workspaceId, [data.teamId]);
  });

  outbox.subscribe('agent.presence_changed', 'routing-drain', async (event) => {
    const data = event.data as { presence?: string };
    if (data.presence !== 'online') return;
    // Hours set before this job existed get their next start now.
    await scheduleHoursStart(services, event.workspaceId, event.aggregateId);
    await drainTeams(
      services,
      event.workspaceId,
      await teamsOf(services, event.workspaceId, event.aggregateId),
    );
  });

  // More room: an agent's limit changed, or a team's limits, weights or strategy.
  outbox.subscribe('agent.capacity_changed', 'routing-drain', async (event) => {
    await drainTeams(
      services,
      event.workspaceId,
      await teamsOf(services, event.workspaceId, event.aggregateId),
    );
  });
  outbox.subscribe('team.updated', 'routing-drain', async (event) => {
    const changes = (event.data as { changes?: Record<string, unknown> }).changes ?? {};
    if ('capacity' in changes || 'assignmentStrategy' in changes)
      await drainTeams(services, event.workspaceId, [event.aggregateId]);
    // A new or changed overflow threshold applies to what already waits.
    if ('settings' in changes)
      await rescheduleTeamOverflow(services.db, event.workspaceId, event.aggregateId);
  });
  // New members may take what waits.
  outbox.subscribe('team.members_changed', 'routing-drain', async (event) => {
    await drainTeams(services, event.workspaceId, [event.aggregateId]);
  });
  // Working hours: a drain at the moment they begin (then at each next start).
  outbox.subscribe('agent.schedule_changed', 'routing-hours', async (event) => {
    await scheduleHoursStart(services, event.workspaceId, event.aggregateId);
  });

  const absenceEnd = (
    event: { workspaceId: string; aggregateId: string; data: unknown },
    context: DeliveryContext,
    now: boolean,
  ) => {
    const absence = (event.data as { absence?: { id: string; endsAt: string } }).absence;
    if (!absence) return;
    const endsAt = new Date(absence.endsAt);
    context.enqueue(
      drainJob,
      { workspaceId: event.workspaceId, userId: event.aggregateId },
      {
        jobKey: `routing.drain:absence:${absence.id}`,
        ...(now || endsAt.getTime() <= Date.now() ? {} : { runAt: endsAt }),
      },
    );
  };
  outbox.subscribe('absence.created', 'routing-absence-end', (event, context) =>
    absenceEnd(event, context, false),
  );
  outbox.subscribe('absence.updated', 'routing-absence-end', (event, context) =>
    absenceEnd(event, context, false),
  );
  outbox.subscribe('absence.deleted', 'routing-absence-end', (event, context) =>
    absenceEnd(event, context, true),
  );
}
