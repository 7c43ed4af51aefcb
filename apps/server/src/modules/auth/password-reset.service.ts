import { Type } from '@sinclair/typebox';
import type { PasswordResetConfirmBody, PasswordResetRequestBody } from '@parley/contract';
import { uuidv7 } from 'uuidv7';
import type { Services } from '../../context.js';
import type { Db } from '../../database.js';
import { deriveKey, hmac, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { enqueue } from '../../platform/jobs.js';
import type { RateLimits } from '../../platform/rate-limit.js';
import { credentialCache } from './credential-cache.js';
import { parseCredential } from './auth.service.js';
import { hashPassword } from './passwords.js';

/** The job that looks the address up and mails the links (email/password-reset.job.ts). */
export const passwordResetJob = {
  name: 'email.password_reset',
  payload: Type.Object({
    requestId: Type.String(),
    email: Type.String(),
    workspace: Type.Optional(Type.String()),
  }),
  maxAttempts: 8,
};

/** How long an emailed reset link works. */
export const RESET_MINUTES = 60;

export const resetLimits = {
  requestPerIp: { points: 10, windowSeconds: 15 * 60 },
  requestPerAddress: { points: 5, windowSeconds: 60 * 60 },
  confirmPerIp: { points: 20, windowSeconds: 15 * 60 },
};

/**
 * Asks for a reset link. The answer and the work are the same whether or not the address
 * belongs to anyone: the request only queues a job (with a fresh request id), and the job
 * looks the address up. Rate-limited per IP and per address.
 */
export async function requestPasswordReset(props: {
  db: Db;
  limits: RateLimits;
  body: PasswordResetRequestBody;
  ip: string;
}): Promise<void> {
  const email = props.body.email.toLowerCase();
  await props.limits.consume('password-reset-ip', props.ip, resetLimits.requestPerIp);
  await props.limits.consume('password-reset-address', email, resetLimits.requestPerAddress);
  await enqueue(props.db, passwordResetJob, {
    requestId: uuidv7(),
    email,
    ...(props.body.workspace ? { workspace: props.body.workspace.trim().toLowerCase() } : {}),
  });
}

/**
 * The secret of the link for one user and request. Derived (HMAC with a key from
 * SECRET_KEY), so a retried mail job sends the same link while the database keeps only its
 * sha256; nothing in the database or the job queue can be turned into a working link.
 */
export function resetSecret(
  secretKey: string,
  workspaceId: string,
  userId: string,
  requestId: string,
) {
  return hmac(deriveKey(secretKey, 'password-reset'), `${workspaceId}:${userId}:${requestId}`);
}

/**
 * The reset links one request makes: one per active user with that email (in the named
 * workspace, else in each), stored as hashes. Idempotent per request and user.
 */
export async function createResetLinks(
  services: Services,
  props: { requestId: string; email: string; workspace?: string },
) {
  let q = services.db
    .selectFrom('users')
    .innerJoin('workspaces', 'workspaces.id', 'users.workspaceId')
    .select([
      'users.workspaceId',
      'users.id',
      'users.email',
      'users.name',
      'users.locale',
      'workspaces.name as workspaceName',
    ])
    .where('users.email', '=', props.email)
    .where('users.status', '=', 'active');
  if (props.workspace) q = q.where('workspaces.slug', '=', props.workspace);
  const users = await q.execute();
  const links = [];
  for (const user of users) {
    const secret = resetSecret(
      services.config.secretKey,
      user.workspaceId,
      user.id,
      props.requestId,
    );
    await services.db
      .insertInto('passwordResets')
      .values({
        workspaceId: user.workspaceId,
        id: uuidv7(),
        userId: user.id,
        requestId: props.requestId,
        tokenHash: sha256(secret),
        expiresAt: new Date(Date.now() + RESET_MINUTES * 60_000),
      })
      .onConflict((oc) => oc.columns(['workspaceId', 'userId', 'requestId']).doNothing())
      .execute();
    const row = await services.db
      .selectFrom('passwordResets')
      .select(['expiresAt', 'usedAt'])
      .where('workspaceId', '=', user.workspaceId)
      .where('userId', '=', user.id)
      .where('requestId', '=', props.requestId)
      .executeTakeFirstOrThrow();
    // Already used or expired (a job retried much later): no mail with a dead link.
    if (row.usedAt || row.expiresAt <= new Date()) continue;
    links.push({ user, token: `${user.workspaceId}.${secret}`, expiresAt: row.expiresAt });
  }
  return links;
}

/**
 * Sets a new password with a link's token: the token works once and until it expires; using
 * it also ends the user's other open links and signs out every session of the user.
 */
export async function confirmPasswordReset(props: {
  db: Db;
  limits: RateLimits;
  body: PasswordResetConfirmBody;
  ip: string;
}): Promise<void> {
  await props.limits.consume('password-reset-confirm', props.ip, resetLimits.confirmPerIp);
  const invalid = () =>
    new AppError('reset_token_invalid', 'This password reset link is not valid');
  const parsed = parseCredential(props.body.token, 'session');
  if (!parsed) throw invalid();
  const passwordHash = await hashPassword(props.body.password);
  await props.db.transaction().execute(async (trx) => {
    const reset = await trx
      .selectFrom('passwordResets')
      .innerJoin('users', (j) =>
        j
          .onRef('users.workspaceId', '=', 'passwordResets.workspaceId')
          .onRef('users.id', '=', 'passwordResets.userId'),
      )
      .select([
        'passwordResets.id',
        'passwordResets.userId',
        'passwordResets.expiresAt',
        'passwordResets.usedAt',
        'users.status',
      ])
      .where('passwordResets.workspaceId', '=', parsed.workspaceId)
      .where('passwordResets.tokenHash', '=', sha256(parsed.secret))
      .forUpdate()
      .executeTakeFirst();
    if (!reset || reset.status !== 'active') throw invalid();
    if (reset.usedAt)
      throw new AppError('reset_token_used', 'This password reset link was already used');
    if (reset.expiresAt <= new Date())
      throw new AppError('reset_token_expired', 'This password reset link has expired');
    const now = new Date();
    await trx
      .updateTable('users')
      .set({ passwordHash, passwordChangedAt: now, updatedAt: now })
      .where('workspaceId', '=', parsed.workspaceId)
      .where('id', '=', reset.userId)
      .execute();
    // This link and every other open one of the user.
    await trx
      .updateTable('passwordResets')
      .set({ usedAt: now })
      .where('workspaceId', '=', parsed.workspaceId)
      .where('userId', '=', reset.userId)
      .where('usedAt', 'is', null)
      .execute();
    await trx
      .deleteFrom('sessions')
      .where('workspaceId', '=', parsed.workspaceId)
      .where('userId', '=', reset.userId)
      .execute();
  });
  credentialCache.clear();
}
