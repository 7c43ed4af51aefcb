import type { Invitation, InvitationCreateBody } from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../../database.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { createSession, parseCredential } from '../auth/auth.service.js';
import { hashPassword } from '../auth/passwords.js';
import { canGrant } from './users.service.js';
import type { InvitationsTable } from './workspaces.tables.js';
import { insertUser } from './workspaces.service.js';

const INVITATION_DAYS = 7;

export function presentInvitation(row: Selectable<InvitationsTable>): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
  };
}

/** Invites someone by email with a role no higher than the inviter may grant. */
export async function createInvitation(props: {
  db: Db;
  actor: Actor;
  body: InvitationCreateBody;
  publicUrl: string;
}) {
  const { actor, body } = props;
  if (!canGrant(actor.role, body.role))
    throw forbidden(`You cannot invite someone as ${body.role}`);
  const email = body.email.toLowerCase();
  const existing = await props.db
    .selectFrom('users')
    .select('id')
    .where('workspaceId', '=', actor.workspaceId)
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing) throw new AppError('email_taken', `${email} already works in this workspace`);
  const secret = randomToken(32);
  return props.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('invitations')
      .values({
        workspaceId: actor.workspaceId,
        id: uuidv7(),
        email,
        role: body.role,
        name: body.name ?? null,
        tokenHash: sha256(secret),
        invitedBy: actor.userId,
        expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const token = `${actor.workspaceId}.${secret}`;
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'invitation',
      aggregateId: row.id,
      type: 'invitation.created',
      // The email channel sends the link; the event carries what it needs.
      data: { email, role: body.role, invitedBy: actor.userId, token },
    });
    return {
      ...presentInvitation(row),
      acceptUrl: `${props.publicUrl}/app/invitations/accept#token=${token}`,
    };
  });
}

export async function findInvitations(props: { db: Db; workspaceId: string }) {
  const rows = await props.db
    .selectFrom('invitations')
    .selectAll()
    .where('workspaceId', '=', props.workspaceId)
    .where('acceptedAt', 'is', null)
    .orderBy('id', 'desc')
    .execute();
  return rows.map(presentInvitation);
}

export async function deleteInvitation(props: {
  db: Db;
  workspaceId: string;
  invitationId: string;
}) {
  const result = await props.db
    .deleteFrom('invitations')
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.invitationId)
    .where('acceptedAt', 'is', null)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound('The invitation', 'invitation_not_found');
}

/** Accepts an invitation: creates the user and signs them in, once. */
export async function acceptInvitation(props: {
  db: Db;
  token: string;
  name: string;
  password: string;
  locale?: string | undefined;
  ip: string | null;
  userAgent: string | null;
}) {
  const parsed = parseCredential(props.token, 'session');
  if (!parsed) throw notFound('The invitation', 'invitation_not_found');
  const passwordHash = await hashPassword(props.password);
  return props.db.transaction().execute(async (trx) => {
    const invitation = await trx
      .selectFrom('invitations')
      .selectAll()
      .where('workspaceId', '=', parsed.workspaceId)
      .where('tokenHash', '=', sha256(parsed.secret))
      .forUpdate()
      .executeTakeFirst();
    if (!invitation || invitation.expiresAt < new Date())
      throw notFound('The invitation', 'invitation_not_found');
    if (invitation.acceptedAt)
      throw new AppError('invitation_used', 'This invitation was already accepted');
    const user = await insertUser(trx, {
      workspaceId: invitation.workspaceId,
      email: invitation.email,
      name: props.name,
      role: invitation.role,
      passwordHash,
      ...(props.locale ? { locale: props.locale } : {}),
    });
    await trx
      .updateTable('invitations')
      .set({ acceptedAt: new Date() })
      .where('workspaceId', '=', invitation.workspaceId)
      .where('id', '=', invitation.id)
      .execute();
    await recordEvent(trx, {
      workspaceId: invitation.workspaceId,
      aggregateType: 'user',
      aggregateId: user.id,
      type: 'user.joined',
      data: { invitationId: invitation.id, role: user.role },
      broadcast: true,
    });
    const session = await createSession(trx, {
      workspaceId: invitation.workspaceId,
      userId: user.id,
      ip: props.ip,
      userAgent: props.userAgent,
    });
    return { user, session };
  });
}
