import { credentialCache } from '../auth/credential-cache.js';
import type {
  NotificationPreferences,
  Role,
  UserListQuery,
  UserUpdateBody,
} from '@parley/contract';
import { sql } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { decodeCursor, isString, toPage } from '../../platform/pagination.js';
import { handBackConversations } from '../conversations/hand-back.service.js';
import { notificationPreferences, presentUser } from './workspaces.presenters.js';

export async function getUser(props: { db: Db | Tx; workspaceId: string; userId: string }) {
  const row = await props.db
    .selectFrom('users')
    .selectAll()
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.userId)
    .executeTakeFirst();
  if (!row) throw notFound('The user', 'user_not_found');
  return row;
}

export async function findUsers(props: { db: Db; workspaceId: string; query: UserListQuery }) {
  const limit = props.query.limit ?? 50;
  const after = decodeCursor(props.query.cursor, isString);
  let q = props.db.selectFrom('users').selectAll().where('workspaceId', '=', props.workspaceId);
  if (props.query.role) q = q.where('role', '=', props.query.role);
  if (props.query.status) q = q.where('status', '=', props.query.status);
  if (after) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, presentUser, (row) => row.id);
}

/**
 * Changes a user. Anyone may change their own name, language, time zone and notification
 * preferences (nobody else may change those); role and
 * status are for admins, who can neither raise anyone above themselves nor touch an owner
 * unless they are one. Nobody changes their own role or deactivates themselves, and the
 * last active owner stays an active owner. Deactivation signs the user out everywhere.
 */
export async function updateUser(props: {
  db: Db;
  actor: Actor;
  userId: string;
  changes: UserUpdateBody;
}) {
  const { actor, changes } = props;
  const self = actor.userId === props.userId;
  const privileged = changes.role !== undefined || changes.status !== undefined;
  if (!self && !roleAtLeast(actor.role, 'admin'))
    throw forbidden('Only admins may change other users');
  if (!self && changes.notificationPreferences)
    throw forbidden('Notification preferences are changed only by their user');
  if (privileged) {
    if (self) throw forbidden('You cannot change your own role or status');
    if (!roleAtLeast(actor.role, 'admin'))
      throw forbidden('Only admins may change roles and status');
  }
  const updated = await props.db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('users')
      .selectAll()
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw notFound('The user', 'user_not_found');
    if (privileged) {
      if (target.role === 'owner' && actor.role !== 'owner')
        throw forbidden('Only an owner may change an owner');
      if (changes.role === 'owner' && actor.role !== 'owner')
        throw forbidden('Only an owner may make an owner');
      const losesOwner =
        target.role === 'owner' &&
        (changes.role !== undefined ? changes.role !== 'owner' : changes.status === 'deactivated');
      if (losesOwner) await assertAnotherOwner(trx, actor.workspaceId, target.id);
    }
    const { notificationPreferences: preferences, ...plain } = changes;
    const row = await trx
      .updateTable('users')
      .set({
        ...plain,
        ...(preferences
          ? {
              notificationPreferences: JSON.stringify(
                mergePreferences(target.notificationPreferences, preferences),
              ),
            }
          : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (changes.status === 'deactivated' && target.status !== 'deactivated') {
      await trx
        .deleteFrom('sessions')
        .where('workspaceId', '=', actor.workspaceId)
        .where('userId', '=', target.id)
        .execute();
      await trx
        .updateTable('apiTokens')
        .set({ revokedAt: new Date() })
        .where('workspaceId', '=', actor.workspaceId)
        .where('userId', '=', target.id)
        .where('revokedAt', 'is', null)
        .execute();
      // Their unresolved conversations go back to the team queues, each with a timeline entry.
      await handBackConversations(trx, {
        workspaceId: actor.workspaceId,
        agentId: target.id,
        reason: 'deactivated',
        delegateId: null,
        actor: { type: 'user', id: actor.userId },
      });
    }
    if (privileged) {
      await trx
        .insertInto('auditLog')
        .values({
          workspaceId: actor.workspaceId,
          actorUserId: actor.userId,
          action: 'user.updated',
          targetType: 'user',
          targetId: target.id,
          details: JSON.stringify({
            from: { role: target.role, status: target.status },
            to: changes,
          }),
          ip: null,
        })
        .execute();
    }
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'user',
      aggregateId: target.id,
      type: 'user.updated',
      data: { changes: Object.keys(changes), actorId: actor.userId },
      broadcast: true,
    });
    return row;
  });
  // A new role or a deactivation must apply to the very next request.
  if (privileged) credentialCache.clear();
  return updated;
}

/** Stored preferences with `changes` applied key by key (a key not given is kept). */
function mergePreferences(
  stored: unknown,
  changes: NonNullable<UserUpdateBody['notificationPreferences']>,
): NotificationPreferences {
  const current = notificationPreferences(stored);
  return {
    email: { ...current.email, ...changes.email },
    push: { ...current.push, ...changes.push },
  };
}

async function assertAnotherOwner(trx: Tx, workspaceId: string, exceptId: string): Promise<void> {
  const { count } = await trx
    .selectFrom('users')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('workspaceId', '=', workspaceId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .where('id', '!=', exceptId)
    .executeTakeFirstOrThrow();
  if (count === 0) throw new AppError('conflict', 'A workspace needs at least one active owner');
}

/** Whether `actor` may hand out `role` (invitations, role changes). */
export function canGrant(actorRole: Role, role: Role): boolean {
  if (role === 'owner') return actorRole === 'owner';
  return roleAtLeast(actorRole, 'admin') && roleAtLeast(actorRole, role);
}
