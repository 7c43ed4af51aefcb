import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { cancelJob, enqueue } from '../../platform/jobs.js';
import { recordEvents } from '../../platform/outbox.js';
import type { StoredTeamSettings } from '../teams/teams.tables.js';
import { routeIn, type RouteOutcome } from './route.js';

const Id = Type.String({ minLength: 1 });

/** At the moment a queued conversation has waited its team's threshold: overflow. */
export const overflowJob = {
  name: 'routing.overflow',
  payload: Type.Object({ workspaceId: Id, conversationId: Id, teamId: Id }),
  maxAttempts: 10,
};

export const overflowJobKey = (conversationId: string) => `routing.overflow:${conversationId}`;

interface QueuedRow {
  teamId: string | null;
  assigneeId: string | null;
  status: string;
  queuedAt: Date;
  settings: StoredTeamSettings | null;
}

async function queuedRow(
  db: Db | Tx,
  workspaceId: string,
  conversationId: string,
  lock: boolean,
): Promise<QueuedRow | undefined> {
  const { rows } = await sql<QueuedRow>`
    select c.team_id, c.assignee_id, c.status, coalesce(c.queued_at, c.created_at) as queued_at,
           t.settings
      from conversations c
      left join teams t on t.workspace_id = c.workspace_id and t.id = c.team_id
     where c.workspace_id = ${workspaceId} and c.id = ${conversationId}
     ${lock ? sql`for update of c` : sql``}`.execute(db);
  return rows[0];
}

const waiting = (row: QueuedRow) =>
  row.teamId !== null && row.assigneeId === null && (row.status === 'new' || row.status === 'open');

/**
 * Puts (or moves) the conversation's overflow job at the exact moment it will have waited
 * its team's threshold (`queued_at` + `overflow.afterSeconds`; job key per conversation, so
 * calling it again after the conversation moved moves the job), or removes it when the
 * conversation is not waiting or its team has no overflow. Called when a conversation
 * enters a queue (`conversation.queued`, a team change).
 */
export async function scheduleOverflow(
  db: Db | Tx,
  workspaceId: string,
  conversationId: string,
): Promise<void> {
  const row = await queuedRow(db, workspaceId, conversationId, false);
  const overflow = row?.settings?.overflow;
  if (!row || !waiting(row) || !overflow || !row.teamId) {
    await cancelJob(db, overflowJobKey(conversationId));
    return;
  }
  await enqueue(
    db,
    overflowJob,
    { workspaceId, conversationId, teamId: row.teamId },
    {
      jobKey: overflowJobKey(conversationId),
      runAt: new Date(row.queuedAt.getTime() + overflow.afterSeconds * 1000),
    },
  );
}

/**
 * After a team's overflow setting changed: every conversation waiting in its queue gets its
 * job at the new moment (one already past runs at once), or loses it when the team has no
 * overflow any more — one statement, however long the queue.
 */
export async function rescheduleTeamOverflow(
  db: Db | Tx,
  workspaceId: string,
  teamId: string,
): Promise<void> {
  await sql`
    select case when (t.settings->'overflow'->>'afterSeconds') is null
                then graphile_worker.remove_job('routing.overflow:' || c.id)::text
                else graphile_worker.add_job(
                       identifier => ${overflowJob.name},
                       payload => json_build_object('workspaceId', c.workspace_id,
                                                    'conversationId', c.id, 'teamId', c.team_id),
                       run_at => coalesce(c.queued_at, c.created_at)
                                 + make_interval(secs => (t.settings->'overflow'->>'afterSeconds')::int),
                       max_attempts => ${overflowJob.maxAttempts},
                       job_key => 'routing.overflow:' || c.id)::text end
      from conversations c
      join teams t on t.workspace_id = c.workspace_id and t.id = c.team_id
     where c.workspace_id = ${workspaceId} and c.team_id = ${teamId}
       and c.assignee_id is null and c.status in ('new', 'open')`.execute(db);
}

export type OverflowOutcome =
  | { outcome: 'overflowed'; toTeamId: string; routed: RouteOutcome }
  | { outcome: 'skipped'; reason: string };

/**
 * The overflow job: in ONE transaction, if the conversation still waits unassigned in the
 * same team and has waited the threshold, it moves to the backup team (timeline
 * `conversation.overflowed` with how long it waited; outbox `conversation.updated` and
 * `conversation.overflowed`, broadcast, for the managers' view), and is
 * routed there at once (the backup team's strategy; if nobody can take it, it waits in that
 * queue, whose own overflow then applies). A backup team the conversation already
 * overflowed from is not used again (no ping-pong between two teams).
 */
export async function runOverflow(
  db: Db,
  payload: { workspaceId: string; conversationId: string; teamId: string },
  at: Date = new Date(),
): Promise<OverflowOutcome> {
  const { workspaceId, conversationId } = payload;
  return db.transaction().execute(async (trx): Promise<OverflowOutcome> => {
    const row = await queuedRow(trx, workspaceId, conversationId, true);
    if (!row || !waiting(row) || row.teamId !== payload.teamId)
      return { outcome: 'skipped', reason: 'not_waiting' };
    const overflow = row.settings?.overflow;
    if (!overflow) return { outcome: 'skipped', reason: 'no_overflow' };
    const due = row.queuedAt.getTime() + overflow.afterSeconds * 1000;
    if (due > at.getTime() + 1000) {
      // Re-queued since this job was set: wait for the new moment.
      await enqueue(trx, overflowJob, payload, {
        jobKey: overflowJobKey(conversationId),
        runAt: new Date(due),
      });
      return { outcome: 'skipped', reason: 'not_due' };
    }
    const target = await trx
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', overflow.teamId)
      .executeTakeFirst();
    if (!target) return { outcome: 'skipped', reason: 'backup_team_gone' };
    const visited = await trx
      .selectFrom('conversationEvents')
      .select('id')
      .where('workspaceId', '=', workspaceId)
      .where('conversationId', '=', conversationId)
      .where('type', '=', 'conversation.overflowed')
      .where(sql<boolean>`data->>'fromTeamId' = ${target.id}`)
      .limit(1)
      .executeTakeFirst();
    if (visited) return { outcome: 'skipped', reason: 'already_overflowed_from_backup' };

    await trx
      .updateTable('conversations')
      .set({ teamId: target.id, updatedAt: new Date() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', conversationId)
      .execute();
    const waitedSeconds = Math.round((at.getTime() - row.queuedAt.getTime()) / 1000);
    await trx
      .insertInto('conversationEvents')
      .values({
        workspaceId,
        conversationId,
        type: 'conversation.overflowed',
        actorType: 'system',
        actorId: null,
        data: JSON.stringify({
          fromTeamId: row.teamId,
          toTeamId: target.id,
          toTeamName: target.name,
          afterSeconds: overflow.afterSeconds,
          waitedSeconds,
        }),
      })
      .execute();
    await recordEvents(trx, [
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.updated',
        data: {
          changes: { teamId: target.id },
          overflow: { fromTeamId: row.teamId, waitedSeconds },
          routed: true,
          actorId: null,
        },
        broadcast: true,
      },
      {
        workspaceId,
        aggregateType: 'conversation',
        aggregateId: conversationId,
        type: 'conversation.overflowed',
        data: {
          fromTeamId: row.teamId,
          toTeamId: target.id,
          afterSeconds: overflow.afterSeconds,
          waitedSeconds,
        },
        broadcast: true,
      },
    ]);
    const routed = await routeIn(trx, { workspaceId, conversationId, trigger: 'overflow', at });
    return { outcome: 'overflowed', toTeamId: target.id, routed };
  });
}
