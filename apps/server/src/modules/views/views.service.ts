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
import { forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import {
  countConversations,
  filterConditions,
  listConversations,
} from '../conversations/conversations.service.js';
import type { SavedViewsTable } from './views.tables.js';

type ViewRow = Selectable<SavedViewsTable>;

function presentView(row: ViewRow): SavedView {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.ownerId,
    visibility: row.visibility === 'private' ? 'private' : 'workspace',
    filters: row.filters,
    sort: row.sort,
    position: row.position,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The views `actor` can see: their own private ones and every shared one. */
async function visibleViews(db: Db, actor: Actor): Promise<ViewRow[]> {
  return db
    .selectFrom('savedViews')
    .selectAll()
    .where('workspaceId', '=', actor.workspaceId)
    .where((eb) => eb.or([eb('ownerId', '=', actor.userId), eb('visibility', '=', 'workspace')]))
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
  if (!row || (row.visibility === 'private' && row.ownerId !== actor.userId))
    throw notFound('The view', 'view_not_found');
  return row;
}

/** Private views are their owner's; shared ones are managed by managers and above. */
function assertCanManage(actor: Actor, view: { visibility: string; ownerId: string }) {
  if (view.visibility === 'private' && view.ownerId !== actor.userId)
    throw notFound('The view', 'view_not_found');
  if (view.visibility !== 'private' && !roleAtLeast(actor.role, 'manager'))
    throw forbidden('Only managers and admins share views with the workspace');
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
  const visibility = body.visibility ?? 'private';
  assertCanManage(actor, { visibility, ownerId: actor.userId });
  // Unknown custom fields or badly typed filter values are refused now, not at every read.
  await filterConditions(props.db, actor, body.filters);
  const row = await props.db
    .insertInto('savedViews')
    .values({
      workspaceId: actor.workspaceId,
      id: uuidv7(),
      name: body.name,
      ownerId: actor.userId,
      visibility,
      teamId: null,
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
  assertCanManage(actor, before);
  if (changes.visibility) assertCanManage(actor, { ...before, visibility: changes.visibility });
  if (changes.filters) await filterConditions(props.db, actor, changes.filters);
  const { filters, ...rest } = changes;
  const row = await props.db
    .updateTable('savedViews')
    .set({
      ...rest,
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
  assertCanManage(props.actor, before);
  await props.db
    .deleteFrom('savedViews')
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.viewId)
    .execute();
}

/** A view's conversations, in its sort order, keyset-paged. */
export async function viewConversations(props: {
  db: Db;
  actor: Actor;
  viewId: string;
  limit?: number | undefined;
  cursor?: string | undefined;
}) {
  const view = await visibleView(props.db, props.actor, props.viewId);
  return listConversations({
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
