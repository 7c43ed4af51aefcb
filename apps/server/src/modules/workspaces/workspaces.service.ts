import type { Role, WorkspaceUpdateBody } from '@parley/contract';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { recordEvent } from '../../platform/outbox.js';
import { hashPassword } from '../auth/passwords.js';

export async function getWorkspace(props: { db: Db | Tx; workspaceId: string }) {
  const row = await props.db
    .selectFrom('workspaces')
    .selectAll()
    .where('id', '=', props.workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound('The workspace');
  return row;
}

export async function findWorkspaceBySlug(props: { db: Db | Tx; slug: string }) {
  return props.db
    .selectFrom('workspaces')
    .selectAll()
    .where('slug', '=', props.slug)
    .executeTakeFirst();
}

/** Creates a workspace and its first owner in one transaction. */
export async function createWorkspace(props: {
  db: Db;
  slug: string;
  name: string;
  defaultLocale?: string;
  timeZone?: string;
  owner: { email: string; name: string; password: string };
}) {
  const passwordHash = await hashPassword(props.owner.password);
  try {
    return await props.db.transaction().execute(async (trx) => {
      const workspace = await trx
        .insertInto('workspaces')
        .values({
          id: uuidv7(),
          slug: props.slug,
          name: props.name,
          ...(props.defaultLocale ? { defaultLocale: props.defaultLocale } : {}),
          ...(props.timeZone ? { timeZone: props.timeZone } : {}),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // Ticket numbers come from a sequence of the workspace's own (see migration 0002).
      await sql`create sequence if not exists ${sql.id(`ticket_number_${workspace.id.replaceAll('-', '')}`)} start 1001`.execute(
        trx,
      );
      const owner = await insertUser(trx, {
        workspaceId: workspace.id,
        email: props.owner.email,
        name: props.owner.name,
        role: 'owner',
        passwordHash,
      });
      await recordEvent(trx, {
        workspaceId: workspace.id,
        aggregateType: 'workspace',
        aggregateId: workspace.id,
        type: 'workspace.created',
        data: { slug: workspace.slug, ownerId: owner.id },
      });
      return { workspace, owner };
    });
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) {
      throw new AppError('conflict', `A workspace with the slug "${props.slug}" already exists`);
    }
    throw error;
  }
}

export async function updateWorkspace(props: {
  db: Db;
  workspaceId: string;
  changes: WorkspaceUpdateBody;
  actorId: string;
}) {
  return props.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('workspaces')
      .set({ ...props.changes, updatedAt: new Date() })
      .where('id', '=', props.workspaceId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('The workspace');
    await recordEvent(trx, {
      workspaceId: row.id,
      aggregateType: 'workspace',
      aggregateId: row.id,
      type: 'workspace.updated',
      data: { changes: Object.keys(props.changes), actorId: props.actorId },
    });
    return row;
  });
}

export async function insertUser(
  trx: Tx,
  user: {
    workspaceId: string;
    email: string;
    name: string;
    role: Role;
    passwordHash: string | null;
    locale?: string;
  },
) {
  try {
    return await trx
      .insertInto('users')
      .values({
        id: uuidv7(),
        workspaceId: user.workspaceId,
        email: user.email.toLowerCase(),
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
        ...(user.locale ? { locale: user.locale } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) {
      throw new AppError('email_taken', `${user.email} already works in this workspace`);
    }
    throw error;
  }
}
