import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Services } from '../../context.js';
import type { Db } from '../../database.js';
import { defineJob, type JobDefinition } from '../../platform/jobs.js';
import { setPresence } from '../availability/agents.service.js';

/**
 * Presence from connections, across nodes without shared memory: every node stamps
 * `agents.realtime_seen_at` for the agents it holds a socket for, every
 * `REALTIME_SEEN_EVERY_MS`; a sweep each minute sets offline (handing work back as the
 * team says) the agents shown online or away whose stamp is older than `OFFLINE_AFTER_MS`.
 * Agents who never opened the app (presence set through the API) are left alone.
 */
export const REALTIME_SEEN_EVERY_MS = 30_000;
export const OFFLINE_AFTER_MS = 120_000;

export async function markSeen(
  db: Db,
  agents: { workspaceId: string; userId: string }[],
): Promise<void> {
  if (agents.length === 0) return;
  const unique = [...new Map(agents.map((a) => [`${a.workspaceId}:${a.userId}`, a])).values()];
  // Agents rows are made on first use; a user without one gets it here (offline until they say).
  await sql`
    insert into agents (workspace_id, user_id, capacity, realtime_seen_at)
    select w, u, '{}', now()
      from unnest(${unique.map((a) => a.workspaceId)}::uuid[], ${unique.map((a) => a.userId)}::uuid[]) as t(w, u)
      join users on users.workspace_id = t.w and users.id = t.u and users.status = 'active'
    on conflict (workspace_id, user_id) do update set realtime_seen_at = excluded.realtime_seen_at`.execute(
    db,
  );
}

/** Sets offline the agents whose connections have all been gone for `OFFLINE_AFTER_MS`. */
export async function sweepDisconnected(db: Db, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - OFFLINE_AFTER_MS);
  const stale = await db
    .selectFrom('agents')
    .select(['workspaceId', 'userId'])
    .where('presence', '<>', 'offline')
    .where('realtimeSeenAt', 'is not', null)
    .where('realtimeSeenAt', '<', cutoff)
    .limit(1000)
    .execute();
  for (const agent of stale) {
    await setPresence({
      db,
      actor: { system: 'realtime', workspaceId: agent.workspaceId },
      userId: agent.userId,
      presence: 'offline',
      onlyIf: ['online', 'away'],
      notSeenSince: cutoff,
    });
  }
  return stale.length;
}

export function realtimeJobs(services: Services): JobDefinition[] {
  return [
    defineJob({
      name: 'realtime.presence_sweep',
      payload: Type.Object({}),
      cron: { pattern: '* * * * *', payload: {} },
      async handler(_payload, context) {
        const count = await sweepDisconnected(services.db);
        if (count > 0) context.log.info({ count }, 'agents set offline: no connection');
      },
    }),
  ];
}
