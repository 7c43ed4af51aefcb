import { credentialCache } from './credential-cache.js';
import type { LoginBody } from '@parley/contract';
import type { Db, Tx } from '../../database.js';
import { randomToken, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import type { RateLimits } from '../../platform/rate-limit.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const SESSION_COOKIE = 'parley_session';
export const SESSION_DAYS = 30;

export const loginLimits = {
  perIp: { points: 30, windowSeconds: 15 * 60 },
  perAccount: { points: 10, windowSeconds: 15 * 60 },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Credentials carry their workspace id in clear (`<workspaceId>.<secret>` for sessions,
 * `prl_<workspaceId>_<secret>` for API tokens) so every lookup is by
 * (workspace_id, sha256(secret)) and stays inside one tenant's rows.
 */
export function parseCredential(
  value: string,
  kind: 'session' | 'token',
): { workspaceId: string; secret: string } | null {
  if (kind === 'token') {
    if (!value.startsWith('prl_') || value[40] !== '_') return null;
    const workspaceId = value.slice(4, 40);
    const secret = value.slice(41);
    return UUID.test(workspaceId) && secret.length >= 32 ? { workspaceId, secret } : null;
  }
  const dot = value.indexOf('.');
  const workspaceId = value.slice(0, dot);
  const secret = value.slice(dot + 1);
  return dot === 36 && UUID.test(workspaceId) && secret.length >= 32
    ? { workspaceId, secret }
    : null;
}

export async function createSession(
  db: Db | Tx,
  props: { workspaceId: string; userId: string; ip: string | null; userAgent: string | null },
) {
  const secret = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await db
    .insertInto('sessions')
    .values({
      workspaceId: props.workspaceId,
      tokenHash: sha256(secret),
      userId: props.userId,
      csrfToken,
      ip: props.ip,
      userAgent: props.userAgent?.slice(0, 400) ?? null,
      expiresAt,
    })
    .execute();
  return { cookie: `${props.workspaceId}.${secret}`, csrfToken, expiresAt };
}

/**
 * Email + password: the user they sign in, or an error. Rate-limited per IP and per account
 * before any work; the same answer and about the same time for a wrong password and an
 * unknown email. An email that works in several workspaces must name one
 * (`workspace_required`). The caller makes the session, or the two-factor challenge.
 */
export async function checkLogin(props: {
  db: Db;
  limits: RateLimits;
  body: LoginBody;
  ip: string;
}) {
  const email = props.body.email.toLowerCase();
  await props.limits.consume('login-ip', props.ip, loginLimits.perIp);
  await props.limits.consume('login-account', email, loginLimits.perAccount);

  let q = props.db
    .selectFrom('users')
    .innerJoin('workspaces', 'workspaces.id', 'users.workspaceId')
    .select([
      'users.workspaceId',
      'users.id',
      'users.passwordHash',
      'users.status',
      'workspaces.slug',
    ])
    .where('users.email', '=', email);
  if (props.body.workspace) q = q.where('workspaces.slug', '=', props.body.workspace);
  const candidates = await q.execute();

  const matches = [];
  for (const candidate of candidates) {
    if (await verifyPassword(candidate.passwordHash, props.body.password)) matches.push(candidate);
  }
  if (candidates.length === 0) await verifyPassword(null, props.body.password);
  const active = matches.filter((m) => m.status === 'active');
  if (active.length === 0) throw new AppError('invalid_credentials', 'Wrong email or password');
  if (active.length > 1) {
    throw new AppError('workspace_required', 'This email works in several workspaces; choose one', {
      details: { workspaces: active.map((m) => m.slug) },
    });
  }
  const user = active[0];
  if (!user) throw new AppError('invalid_credentials', 'Wrong email or password');
  await props.limits.reset('login-account', email, loginLimits.perAccount);
  return { workspaceId: user.workspaceId, userId: user.id };
}

export async function logout(props: { db: Db; cookie: string | undefined }): Promise<void> {
  const parsed = props.cookie ? parseCredential(props.cookie, 'session') : null;
  if (!parsed) return;
  await props.db
    .deleteFrom('sessions')
    .where('workspaceId', '=', parsed.workspaceId)
    .where('tokenHash', '=', sha256(parsed.secret))
    .execute();
  credentialCache.clear();
}

/** Changes the password and signs out every other session of the user. */
export async function changePassword(props: {
  db: Db;
  limits: RateLimits;
  workspaceId: string;
  userId: string;
  currentCredentialId: string;
  currentPassword: string;
  newPassword: string;
}): Promise<void> {
  await props.limits.consume(
    'password-change',
    `${props.workspaceId}:${props.userId}`,
    loginLimits.perAccount,
  );
  const user = await props.db
    .selectFrom('users')
    .select(['passwordHash'])
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', props.userId)
    .executeTakeFirst();
  if (!user || !(await verifyPassword(user.passwordHash, props.currentPassword))) {
    throw new AppError('invalid_credentials', 'The current password is wrong');
  }
  const passwordHash = await hashPassword(props.newPassword);
  await props.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
      .where('workspaceId', '=', props.workspaceId)
      .where('id', '=', props.userId)
      .execute();
    await signOutOtherSessions(trx, props);
  });
  credentialCache.clear();
}

/**
 * Ends every session of a user but the one making the request (a password changed, two-factor
 * sign-in turned on: a session opened with less than that is no longer good enough). The
 * caller clears `credentialCache` after its commit.
 */
export async function signOutOtherSessions(
  trx: Tx,
  props: { workspaceId: string; userId: string; currentCredentialId: string },
): Promise<void> {
  let others = trx
    .deleteFrom('sessions')
    .where('workspaceId', '=', props.workspaceId)
    .where('userId', '=', props.userId);
  if (props.currentCredentialId.startsWith('session:')) {
    others = others.where(
      'tokenHash',
      '!=',
      Buffer.from(props.currentCredentialId.slice(8), 'hex'),
    );
  }
  await others.execute();
}
