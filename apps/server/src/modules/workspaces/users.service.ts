import { credentialCache } from '../auth/credential-cache.js';
import type {
  NotificationPreferences,
  Role,
  UserListQuery,
  UserUpdateBody,
} from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { readBlob, type BlobStore } from '../../platform/blobs.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { containsPattern } from '../../platform/like.js';
import { recordEvent } from '../../platform/outbox.js';
import {
  decodeCursor,
  isString,
  nameCursorOf,
  rowsByName,
  toPage,
} from '../../platform/pagination.js';
import { handBackConversations } from '../conversations/hand-back.service.js';
import { notificationPreferences, presentUser } from './workspaces.presenters.js';
import type { UsersTable } from './workspaces.tables.js';

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

/**
 * The workspace's people, optionally of one role or status and whose name or email contains
 * `q`; oldest first, or by name (`sort=name`: `lower(name)` as PostgreSQL lowers it, then id);
 * keyset-paged either way.
 */
export async function findUsers(props: {
  db: Db;
  workspaceId: string;
  query: UserListQuery;
  /** Say whose two-factor sign-in is on (an admin's list). */
  withTwoFactor?: boolean;
}) {
  const { query } = props;
  const limit = query.limit ?? 50;
  let q = props.db
    .selectFrom('users')
    .selectAll()
    .select(sql<string>`lower(name)`.as('sortName'))
    // Looked up only for the list that shows it (the pickers read every page).
    .select(
      (props.withTwoFactor
        ? sql<boolean>`exists (select 1 from user_two_factor f
                                where f.workspace_id = users.workspace_id and f.user_id = users.id
                                  and f.enabled_at is not null)`
        : sql<boolean>`false`
      ).as('twoFactorEnabled'),
    )
    .where('workspaceId', '=', props.workspaceId);
  if (query.role) q = q.where('role', '=', query.role);
  if (query.status) q = q.where('status', '=', query.status);
  const text = query.q?.trim();
  if (text) {
    const like = containsPattern(text);
    q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('email', 'ilike', like)]));
  }
  const present = ({
    sortName: _,
    twoFactorEnabled,
    ...row
  }: { sortName: string; twoFactorEnabled: boolean } & Selectable<UsersTable>) => ({
    ...presentUser(row),
    ...(props.withTwoFactor ? { twoFactorEnabled } : {}),
  });
  if (query.sort === 'name')
    return toPage(await rowsByName(q, query.cursor, limit), limit, present, nameCursorOf);
  const after = decodeCursor(query.cursor, isString);
  if (after) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, present, (row) => row.id);
}

/**
 * Changes a user. Anyone may change their own name, language, time zone, signature and
 * notification preferences (nobody else may change the last two); role and
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
  if (!self && (changes.notificationPreferences || changes.signature !== undefined))
    throw forbidden('Notification preferences and signatures are changed only by their user');
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

/** Image types a profile picture may be, by their first bytes. */
const imageMagic: Record<string, (b: Buffer) => boolean> = {
  png: (b) =>
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  webp: (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' &&
    b.subarray(8, 12).toString('latin1') === 'WEBP',
};

export const AVATAR_MAX_BYTES = 256 * 1024;

/**
 * Sets (or with null removes) the actor's own profile picture: a PNG, JPEG or WebP whose
 * bytes are what the data: URL says, stored in the blob store. Nobody sets someone else's.
 */
export async function setAvatar(props: {
  db: Db;
  blobs: BlobStore;
  actor: Actor;
  userId: string;
  dataUrl: string | null;
}) {
  const target = await getUser({
    db: props.db,
    workspaceId: props.actor.workspaceId,
    userId: props.userId,
  });
  if (target.id !== props.actor.userId) throw forbidden('Only you change your profile picture');
  let avatarKey: string | null = null;
  if (props.dataUrl !== null) {
    const match = /^data:image\/(png|jpeg|webp);base64,(.*)$/s.exec(props.dataUrl);
    const bytes = Buffer.from(match?.[2] ?? '', 'base64');
    if (!match?.[1] || !imageMagic[match[1]]?.(bytes))
      throw new AppError('validation_failed', 'The picture must be a PNG, JPEG or WebP image', {
        details: { field: 'dataUrl' },
      });
    if (bytes.length > AVATAR_MAX_BYTES)
      throw new AppError('payload_too_large', 'The picture is larger than 256 KB');
    avatarKey = (await props.blobs.put(bytes, { maxBytes: AVATAR_MAX_BYTES })).key;
  }
  const row = await props.db
    .updateTable('users')
    .set({ avatarKey, updatedAt: new Date() })
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', target.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return row;
}

/** A user's picture: its bytes and type, or not found. */
export async function getAvatar(props: {
  db: Db;
  blobs: BlobStore;
  workspaceId: string;
  userId: string;
}) {
  const user = await getUser(props);
  if (!user.avatarKey) throw notFound('The picture');
  const bytes = await readBlob(props.blobs, user.avatarKey);
  const type = Object.entries(imageMagic).find(([, test]) => test(bytes))?.[0] ?? 'png';
  return { bytes, contentType: `image/${type}` };
}
