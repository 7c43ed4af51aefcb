import type { Db } from '../../database.js';
import { routeConversation } from './route.js';

/**
 * Assigns a team's queued conversations (team set, nobody assigned, new or open) while
 * eligible agents exist: most urgent first (`priority_rank`), then oldest, each through
 * `routeConversation` (its own transaction; a conversation locked by another router is
 * skipped). Stops when a pass assigns nothing. Returns how many were assigned.
 */
export async function drainTeam(
  db: Db,
  props: { workspaceId: string; teamId: string; at?: Date; batch?: number },
): Promise<number> {
  const batch = props.batch ?? 100;
  let assigned = 0;
  const tried = new Set<string>();
  for (;;) {
    let query = db
      .selectFrom('conversations')
      .select('id')
      .where('workspaceId', '=', props.workspaceId)
      .where('teamId', '=', props.teamId)
      .where('assigneeId', 'is', null)
      .where('status', 'in', ['new', 'open'])
      .orderBy('priorityRank')
      .orderBy('createdAt')
      .orderBy('id')
      .limit(batch);
    if (tried.size > 0) query = query.where('id', 'not in', [...tried]);
    const queued = await query.execute();
    let assignedNow = 0;
    for (const { id } of queued) {
      tried.add(id);
      const result = await routeConversation(db, {
        workspaceId: props.workspaceId,
        conversationId: id,
        trigger: 'drain',
        ...(props.at ? { at: props.at } : {}),
      });
      if (result.outcome === 'assigned') assignedNow += 1;
      // Nobody in the team can take anything (no one available): the rest would wait too.
      if (result.outcome === 'queued' && result.reason !== 'all_at_capacity_or_missing_skills')
        return assigned + assignedNow;
    }
    assigned += assignedNow;
    if (queued.length < batch || assignedNow === 0) return assigned;
  }
}
