import { Type } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import { defineJob, enqueue, type JobDefinition } from '../../platform/jobs.js';
import { drainTeam } from './drain.js';
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

export function routingJobs(services: Services): JobDefinition[] {
  const { db } = services;
  return [
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
 * online, an absence ends (a drain job at its end) or is deleted.
 */
export function routingSubscribers(services: Services): void {
  const { outbox } = services;
  outbox.subscribe('conversation.created', 'routing-route', async (event) => {
    const data = event.data as { automated?: boolean };
    if (data.automated) return;
    await enqueue(
      services.db,
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

  outbox.subscribe('conversation.queued', 'routing-drain', async (event) => {
    const data = event.data as { teamId?: string | null; reason?: string };
    // Only hand-backs: the engine's own "queued" means nobody could take it just now.
    if (data.reason !== 'hand_back' || !data.teamId) return;
    await drainTeams(services, event.workspaceId, [data.teamId]);
  });

  outbox.subscribe('agent.presence_changed', 'routing-drain', async (event) => {
    const data = event.data as { presence?: string };
    if (data.presence !== 'online') return;
    await drainTeams(
      services,
      event.workspaceId,
      await teamsOf(services, event.workspaceId, event.aggregateId),
    );
  });

  const absenceEnd = async (
    event: { workspaceId: string; aggregateId: string; data: unknown },
    now: boolean,
  ) => {
    const absence = (event.data as { absence?: { id: string; endsAt: string } }).absence;
    if (!absence) return;
    const endsAt = new Date(absence.endsAt);
    await enqueue(
      services.db,
      drainJob,
      { workspaceId: event.workspaceId, userId: event.aggregateId },
      {
        jobKey: `routing.drain:absence:${absence.id}`,
        ...(now || endsAt.getTime() <= Date.now() ? {} : { runAt: endsAt }),
      },
    );
  };
  outbox.subscribe('absence.created', 'routing-absence-end', (event) => absenceEnd(event, false));
  outbox.subscribe('absence.updated', 'routing-absence-end', (event) => absenceEnd(event, false));
  outbox.subscribe('absence.deleted', 'routing-absence-end', (event) => absenceEnd(event, true));
}
