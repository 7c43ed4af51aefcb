import type {
  ConversationFilters,
  SavedView,
  SavedViewCreateBody,
  SavedViewUpdateBody,
  ViewCount,
} from '@parley/contract';
import { builtInViews } from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import {
  countConversations,
  filterConditions,
  conversationPageJson,
} from '../conversations/conversations.service.js';
import { assertTeam, membership } from '../teams/teams.service.js';
import type { SavedViewsTable } from './views.tables.js';

type ViewRow = Selectable<SavedViewsTable>;

function presentView(row: ViewRow): SavedView {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.ownerId,
    visibility: row.visibility,
    teamId: row.teamId,
    filters: row.filters,
    sort: row.sort,
    position: row.position,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The views `actor` can see: their own, the workspace's, and those of their teams. */
async function visibleViews(db: Db, actor: Actor): Promise<ViewRow[]> {
  return db
    .selectFrom('savedViews as v')
    .selectAll('v')
    .where('v.workspaceId', '=', actor.workspaceId)
    .where((eb) =>
      eb.or([
        eb('v.ownerId', '=', actor.userId),
        eb('v.visibility', '=', 'workspace'),
        eb.and([
          eb('v.visibility', '=', 'team'),
          eb.exists(
            eb
              .selectFrom('teamMembers as m')
              .select('m.userId')
              .whereRef('m.workspaceId', '=', 'v.workspaceId')
              .whereRef('m.teamId', '=', 'v.teamId')
              .where('m.userId', '=', actor.userId),
          ),
        ]),
      ]),
    )
    .orderBy('position')
    .orderBy('name')
    .orderBy('id')
    .execute();
}

async function visibleView(db: Db, actor: Actor, viewId: string): Promise<ViewRow> {
  const row = await db
    .selectFrom('savedViews')
    .selectAll()
    .where('workspaceId', '=', actor.workspaceId)
    .where('id', '=', viewId)
    .executeTakeFirst();
  const hidden =
    row &&
    row.ownerId !== actor.userId &&
    (row.visibility === 'private' ||
      (row.visibility === 'team' &&
        !(await membership(db, actor.workspaceId, row.teamId ?? '', actor.userId))));
  if (!row || hidden) throw notFound('The view', 'view_not_found');
  return row;
}

type Sharing = { visibility: ViewRow['visibility']; ownerId: string; teamId: string | null };

/**
 * Private views are their owner's; workspace views are managed by managers and above; team
 * views by managers and above and by the team's leads.
 */
async function assertCanManage(db: Db, actor: Actor, view: Sharing) {
  if (view.visibility === 'private') {
    if (view.ownerId !== actor.userId) throw notFound('The view', 'view_not_found');
    return;
  }
  if (roleAtLeast(actor.role, 'manager')) return;
  if (view.visibility === 'team' && view.teamId) {
    const member = await membership(db, actor.workspaceId, view.teamId, actor.userId);
    if (member?.lead) return;
    throw forbidden("Only managers and the team's leads share views with a team");
  }
  throw forbidden('Only managers and admins share views with the workspace');
}

/** The sharing a create or update asks for: a team view names a team of the workspace. */
async function sharingOf(
  db: Db,
  actor: Actor,
  visibility: ViewRow['visibility'],
  teamId: string | null | undefined,
): Promise<{ visibility: ViewRow['visibility']; teamId: string | null }> {
  if (visibility !== 'team') {
    if (teamId)
      throw new AppError('validation_failed', 'teamId goes with visibility "team"', {
        details: { issues: [{ path: 'body.teamId', message: 'needs visibility "team"' }] },
      });
    return { visibility, teamId: null };
  }
  if (!teamId)
    throw new AppError('validation_failed', 'A team view names its team (teamId)', {
      details: { issues: [{ path: 'body.teamId', message: 'is required' }] },
    });
  await assertTeam(db, actor.workspaceId, teamId);
  return { visibility, teamId };
}

export async function findViews(props: { db: Db; actor: Actor }): Promise<SavedView[]> {
  return (await visibleViews(props.db, props.actor)).map(presentView);
}

export async function getView(props: { db: Db; actor: Actor; viewId: string }) {
  return presentView(await visibleView(props.db, props.actor, props.viewId));
}

export async function createView(props: {
  db: Db;
  actor: Actor;
  body: SavedViewCreateBody;
}): Promise<SavedView> {
  const { actor, body } = props;
  const sharing = await sharingOf(props.db, actor, body.visibility ?? 'private', body.teamId);
  await assertCanManage(props.db, actor, { ...sharing, ownerId: actor.userId });
  // Unknown custom fields or badly typed filter values are refused now, not at every read.
  await filterConditions(props.db, actor, body.filters);
  const row = await props.db
    .insertInto('savedViews')
    .values({
      workspaceId: actor.workspaceId,
      id: uuidv7(),
      name: body.name,
      ownerId: actor.userId,
      ...sharing,
      filters: JSON.stringify(body.filters),
      sort: body.sort ?? null,
      position: body.position ?? 0,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return presentView(row);
}

export async function updateView(props: {
  db: Db;
  actor: Actor;
  viewId: string;
  changes: SavedViewUpdateBody;
}): Promise<SavedView> {
  const { actor, changes } = props;
  const before = await visibleView(props.db, actor, props.viewId);
  await assertCanManage(props.db, actor, before);
  const { filters, visibility, teamId, ...rest } = changes;
  const sharing =
    visibility !== undefined || teamId !== undefined
      ? await sharingOf(
          props.db,
          actor,
          visibility ?? before.visibility,
          teamId === undefined && (visibility ?? before.visibility) === 'team'
            ? before.teamId
            : teamId,
        )
      : null;
  if (sharing) await assertCanManage(props.db, actor, { ...sharing, ownerId: before.ownerId });
  if (filters) await filterConditions(props.db, actor, filters);
  const row = await props.db
    .updateTable('savedViews')
    .set({
      ...rest,
      ...(sharing ?? {}),
      ...(filters ? { filters: JSON.stringify(filters) } : {}),
      updatedAt: new Date(),
    })
    .where('workspaceId', '=', actor.workspaceId)
    .where('id', '=', props.viewId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return presentView(row);
}

export async function deleteView(props: { db: Db; actor: Actor; viewId: string }) {
  const before = await visibleView(props.db, props.actor, props.viewId);
  await assertCanManage(props.db, props.actor, before);
  await props.db
    .deleteFrom('savedViews')
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.viewId)
    .execute();
}

/** A view's conversations, in its sort order, keyset-paged: the page as JSON text. */
export async function viewConversations(props: {
  db: Db;
  actor: Actor;
  viewId: string;
  limit?: number | undefined;
  cursor?: string | undefined;
}) {
  const view = await visibleView(props.db, props.actor, props.viewId);
  return conversationPageJson({
    db: props.db,
    actor: props.actor,
    filters: view.filters,
    sort: view.sort,
    limit: props.limit,
    cursor: props.cursor,
  });
}

/**
 * Counts for the sidebar: the built-in views, then every view the actor sees. Exact up
 * to 1,000, beyond that the planner's estimate (marked approximate).
 */
export async function viewCounts(props: { db: Db; actor: Actor }): Promise<ViewCount[]> {
  const views: [string, ConversationFilters][] = [
    ...Object.entries(builtInViews),
    ...(await visibleViews(props.db, props.actor)).map((v): [string, ConversationFilters] => [
      v.id,
      v.filters,
    ]),
  ];
  const counts: ViewCount[] = [];
  for (const [id, filters] of views) {
    counts.push({ id, ...(await countConversations({ ...props, filters })) });
  }
  return counts;
}
