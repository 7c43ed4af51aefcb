import { randomInt } from 'node:crypto';
import type {
  ErrorCode,
  RecoveryCodes,
  TwoFactorChallenge,
  TwoFactorLoginBody,
  TwoFactorSetup,
  TwoFactorStatus,
} from '@parley/contract';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import {
  decrypt,
  deriveKey,
  encrypt,
  hmac,
  randomToken,
  sha256,
  workspaceKey,
} from '../../platform/crypto.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import type { RateLimits } from '../../platform/rate-limit.js';
import {
  createSession,
  loginLimits,
  parseCredential,
  signOutOtherSessions,
} from './auth.service.js';
import { credentialCache } from './credential-cache.js';
import { verifyPassword } from './passwords.js';

/** What every authenticator app supports: RFC 6238 with SHA1, 6 digits, 30-second steps. */
const TOTP_OPTIONS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** How long the step between the password and the code may take. */
export const CHALLENGE_MINUTES = 5;
/** Wrong codes that kill a challenge (the user signs in with the password again). */
export const MAX_CHALLENGE_ATTEMPTS = 5;
export const RECOVERY_CODE_COUNT = 10;

export const twoFactorLimits = {
  /** Code checks per user (sign-in step, enabling, disabling, new recovery codes), from anywhere. */
  perUser: { points: 10, windowSeconds: 15 * 60 },
};

const limitKey = (workspaceId: string, userId: string) => `${workspaceId}:${userId}`;

/** The step (30-second window since the epoch) a 6-digit code is right for, ±1 step of now. */
export function matchingStep(secret: string, code: string, now = Date.now()): number | null {
  const delta = new TOTP({ ...TOTP_OPTIONS, secret: Secret.fromBase32(secret) }).validate({
    token: code,
    timestamp: now,
    window: 1,
  });
  return delta === null
    ? null
    : TOTP.counter({ period: TOTP_OPTIONS.period, timestamp: now }) + delta;
}

// Crockford's base32: no I, L, O or U to misread; 10 characters carry 50 bits.
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += RECOVERY_ALPHABET.charAt(randomInt(32));
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** A recovery code as typed (any case, spaces or dashes, I/L for 1, O for 0), or null. */
export function normaliseRecoveryCode(text: string): string | null {
  const code = text.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(code) ? code : null;
}

/** Recovery codes are kept as HMACs (a key from SECRET_KEY): the database alone reveals none. */
const recoveryHash = (secretKey: string, workspaceId: string, userId: string, code: string) =>
  hmac(deriveKey(secretKey, 'two-factor-recovery'), `${workspaceId}:${userId}:${code}`);

/** Replaces the user's recovery codes with new ones; answers them in clear, once. */
async function replaceRecoveryCodes(
  trx: Tx,
  props: { secretKey: string; workspaceId: string; userId: string },
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await trx
    .deleteFrom('twoFactorRecoveryCodes')
    .where('workspaceId', '=', props.workspaceId)
    .where('userId', '=', props.userId)
    .execute();
  await trx
    .insertInto('twoFactorRecoveryCodes')
    .values(
      codes.map((code) => ({
        workspaceId: props.workspaceId,
        userId: props.userId,
        codeHash: recoveryHash(
          props.secretKey,
          props.workspaceId,
          props.userId,
          normaliseRecoveryCode(code) ?? '',
        ),
      })),
    )
    .execute();
  return codes;
}

/** 2FA changes go to the audit log (who, whose, when; an admin's reset with the IP). */
async function audit(
  trx: Tx,
  props: { actor: Actor; action: string; userId: string; ip?: string },
): Promise<void> {
  await trx
    .insertInto('auditLog')
    .values({
      workspaceId: props.actor.workspaceId,
      actorUserId: props.actor.userId,
      action: props.action,
      targetType: 'user',
      targetId: props.userId,
      details: JSON.stringify({}),
      ip: props.ip ?? null,
    })
    .execute();
}

type CodeCheck = { ok: true } | { ok: false; reason: 'invalid' | 'used' };

/**
 * Checks a code against an enabled 2FA row (locked by the caller): a 6-digit code of the
 * app for a step later than the last one used (then recorded), or an unused recovery code
 * (then used up). Nothing changes when the code is wrong.
 */
async function checkCode(
  trx: Tx,
  props: {
    secretKey: string;
    factor: {
      workspaceId: string;
      userId: string;
      secretSealed: string;
      lastUsedStep: number | null;
    };
    code: string;
  },
): Promise<CodeCheck> {
  const { factor } = props;
  const digits = props.code.replace(/\s/g, '');
  if (/^\d{6}$/.test(digits)) {
    const secret = decrypt(workspaceKey(props.secretKey, factor.workspaceId), factor.secretSealed);
    const step = matchingStep(secret, digits);
    if (step === null) return { ok: false, reason: 'invalid' };
    // A code works once: neither again in its own step nor after a later one was used.
    if (factor.lastUsedStep !== null && step <= factor.lastUsedStep)
      return { ok: false, reason: 'used' };
    await trx
      .updateTable('userTwoFactor')
      .set({ lastUsedStep: step })
      .where('workspaceId', '=', factor.workspaceId)
      .where('userId', '=', factor.userId)
      .execute();
    return { ok: true };
  }
  const recovery = normaliseRecoveryCode(props.code);
  if (!recovery) return { ok: false, reason: 'invalid' };
  const used = await trx
    .updateTable('twoFactorRecoveryCodes')
    .set({ usedAt: new Date() })
    .where('workspaceId', '=', factor.workspaceId)
    .where('userId', '=', factor.userId)
    .where(
      'codeHash',
      '=',
      recoveryHash(props.secretKey, factor.workspaceId, factor.userId, recovery),
    )
    .where('usedAt', 'is', null)
    .executeTakeFirst();
  return used.numUpdatedRows > 0n ? { ok: true } : { ok: false, reason: 'invalid' };
}

const refusals = {
  invalid: { error: 'two_factor_invalid', message: 'The code is wrong' },
  used: {
    error: 'two_factor_code_used',
    message: 'This code was already used; wait for the next one',
  },
  expired: {
    error: 'two_factor_expired',
    message: 'The sign-in step has expired; sign in again',
  },
  locked: {
    error: 'two_factor_locked',
    message: 'Too many wrong codes; sign in again',
  },
} satisfies Record<string, { error: ErrorCode; message: string }>;

const refusal = (reason: keyof typeof refusals) =>
  new AppError(refusals[reason].error, refusals[reason].message);

/** The enabled 2FA of a user, locked for the transaction, or null. */
function enabledFactor(trx: Tx, workspaceId: string, userId: string) {
  return trx
    .selectFrom('userTwoFactor')
    .select(['workspaceId', 'userId', 'secretSealed', 'lastUsedStep'])
    .where('workspaceId', '=', workspaceId)
    .where('userId', '=', userId)
    .where('enabledAt', 'is not', null)
    .forUpdate()
    .executeTakeFirst();
}

async function assertPassword(db: Db, actor: Actor, password: string): Promise<void> {
  const user = await db
    .selectFrom('users')
    .select('passwordHash')
    .where('workspaceId', '=', actor.workspaceId)
    .where('id', '=', actor.userId)
    .executeTakeFirst();
  if (!user || !(await verifyPassword(user.passwordHash, password)))
    throw new AppError('invalid_credentials', 'The password is wrong');
}

/** When the user's 2FA was turned on, if it is (a pending set-up is not). */
async function enabledAt(db: Db, workspaceId: string, userId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('userTwoFactor')
    .select('enabledAt')
    .where('workspaceId', '=', workspaceId)
    .where('userId', '=', userId)
    .where('enabledAt', 'is not', null)
    .executeTakeFirst();
  return row?.enabledAt ?? null;
}

export async function twoFactorStatus(props: {
  db: Db;
  workspaceId: string;
  userId: string;
}): Promise<TwoFactorStatus> {
  const since = await enabledAt(props.db, props.workspaceId, props.userId);
  const left = since
    ? await props.db
        .selectFrom('twoFactorRecoveryCodes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspaceId', '=', props.workspaceId)
        .where('userId', '=', props.userId)
        .where('usedAt', 'is', null)
        .executeTakeFirstOrThrow()
    : { n: 0 };
  return {
    enabled: since !== null,
    enabledAt: since?.toISOString() ?? null,
    recoveryCodesLeft: left.n,
  };
}

/**
 * Starts enrolment: a new secret, pending until confirmed with a code (a previous pending
 * one is replaced). The secret, its otpauth:// URI and the QR code are in this answer only.
 */
export async function startTwoFactorSetup(props: {
  db: Db;
  secretKey: string;
  actor: Actor;
}): Promise<TwoFactorSetup> {
  const { actor } = props;
  const user = await props.db
    .selectFrom('users')
    .innerJoin('workspaces', 'workspaces.id', 'users.workspaceId')
    .select(['users.email', 'workspaces.name as workspaceName'])
    .where('users.workspaceId', '=', actor.workspaceId)
    .where('users.id', '=', actor.userId)
    .executeTakeFirst();
  if (!user) throw notFound('The user', 'user_not_found');
  const secret = new Secret({ size: 20 });
  const secretSealed = encrypt(workspaceKey(props.secretKey, actor.workspaceId), secret.base32);
  const stored = await props.db
    .insertInto('userTwoFactor')
    .values({ workspaceId: actor.workspaceId, userId: actor.userId, secretSealed })
    .onConflict((oc) =>
      oc
        .columns(['workspaceId', 'userId'])
        .doUpdateSet({ secretSealed, lastUsedStep: null })
        .where('userTwoFactor.enabledAt', 'is', null),
    )
    .returning('userId')
    .executeTakeFirst();
  if (!stored)
    throw new AppError('two_factor_enabled', 'Two-factor sign-in is already on; turn it off first');
  const uri = new TOTP({
    ...TOTP_OPTIONS,
    issuer: 'Parley',
    // The app lists it as "Parley (<email> · <workspace>)": one email may work in several.
    label: `${user.email} · ${user.workspaceName.replaceAll(':', ' ')}`,
    secret,
  }).toString();
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret: secret.base32, uri, qrSvg };
}

interface OwnChange {
  db: Db;
  limits: RateLimits;
  secretKey: string;
  actor: Actor;
  code: string;
}

/**
 * One of the user's own 2FA changes, in one transaction: it counts against their code
 * attempts (forgotten once it succeeds) and checks the password first when one is asked for.
 */
async function ownChange<T>(
  props: OwnChange & { password?: string },
  change: (trx: Tx) => Promise<T>,
): Promise<T> {
  const key = limitKey(props.actor.workspaceId, props.actor.userId);
  await props.limits.consume('two-factor', key, twoFactorLimits.perUser);
  if (props.password !== undefined) await assertPassword(props.db, props.actor, props.password);
  const result = await props.db.transaction().execute(change);
  await props.limits.reset('two-factor', key, twoFactorLimits.perUser);
  return result;
}

/** The user's 2FA is on and the code (of the app, or a recovery code) is right; else throws. */
async function assertOwnCode(trx: Tx, props: OwnChange): Promise<void> {
  const factor = await enabledFactor(trx, props.actor.workspaceId, props.actor.userId);
  if (!factor) throw new AppError('two_factor_not_enabled', 'Two-factor sign-in is off');
  const check = await checkCode(trx, { secretKey: props.secretKey, factor, code: props.code });
  if (!check.ok) throw refusal(check.reason);
}

/**
 * Confirms enrolment with the password and a current code: 2FA is on from now, and the
 * answer carries the recovery codes (in clear this once).
 */
export async function enableTwoFactor(
  props: OwnChange & { password: string },
): Promise<RecoveryCodes> {
  const { actor } = props;
  const recoveryCodes = await ownChange(props, async (trx) => {
    const row = await trx
      .selectFrom('userTwoFactor')
      .select(['secretSealed', 'enabledAt'])
      .where('workspaceId', '=', actor.workspaceId)
      .where('userId', '=', actor.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!row)
      throw new AppError('two_factor_setup_required', 'Start setting up two-factor sign-in first');
    if (row.enabledAt) throw new AppError('two_factor_enabled', 'Two-factor sign-in is already on');
    const secret = decrypt(workspaceKey(props.secretKey, actor.workspaceId), row.secretSealed);
    const step = matchingStep(secret, props.code.replace(/\s/g, ''));
    if (step === null) throw refusal('invalid');
    await trx
      .updateTable('userTwoFactor')
      .set({ enabledAt: new Date(), lastUsedStep: step })
      .where('workspaceId', '=', actor.workspaceId)
      .where('userId', '=', actor.userId)
      .execute();
    await audit(trx, { actor, action: 'user.two_factor_enabled', userId: actor.userId });
    // Sessions opened with the password alone end; this one, which proved the code, stays.
    await signOutOtherSessions(trx, {
      ...ownIds(actor),
      currentCredentialId: actor.credentialId,
    });
    return replaceRecoveryCodes(trx, { secretKey: props.secretKey, ...ownIds(actor) });
  });
  credentialCache.clear();
  return { recoveryCodes };
}

const ownIds = (actor: Actor) => ({ workspaceId: actor.workspaceId, userId: actor.userId });

/** Turns 2FA off with the password and a code (of the app, or a recovery code). */
export async function disableTwoFactor(props: OwnChange & { password: string }): Promise<void> {
  await ownChange(props, async (trx) => {
    await assertOwnCode(trx, props);
    await removeTwoFactor(trx, props.actor.workspaceId, props.actor.userId);
    await audit(trx, {
      actor: props.actor,
      action: 'user.two_factor_disabled',
      userId: props.actor.userId,
    });
  });
}

/** New recovery codes for a code (of the app, or one of the old recovery codes). */
export async function regenerateRecoveryCodes(props: OwnChange): Promise<RecoveryCodes> {
  const recoveryCodes = await ownChange(props, async (trx) => {
    await assertOwnCode(trx, props);
    await audit(trx, {
      actor: props.actor,
      action: 'user.recovery_codes_regenerated',
      userId: props.actor.userId,
    });
    return replaceRecoveryCodes(trx, { secretKey: props.secretKey, ...ownIds(props.actor) });
  });
  return { recoveryCodes };
}

async function removeTwoFactor(trx: Tx, workspaceId: string, userId: string): Promise<void> {
  for (const table of ['userTwoFactor', 'twoFactorRecoveryCodes', 'twoFactorChallenges'] as const)
    await trx
      .deleteFrom(table)
      .where('workspaceId', '=', workspaceId)
      .where('userId', '=', userId)
      .execute();
}

/**
 * An admin turns another user's 2FA off (a lost phone): audit-logged. Owners' only by an
 * owner; nobody their own (that takes a code, in the profile).
 */
export async function resetTwoFactor(props: {
  db: Db;
  actor: Actor;
  userId: string;
  ip: string;
}): Promise<void> {
  const { actor } = props;
  if (actor.userId === props.userId)
    throw forbidden('Turn your own two-factor sign-in off in your profile');
  await props.db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('users')
      .select(['id', 'role'])
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.userId)
      .executeTakeFirst();
    if (!target) throw notFound('The user', 'user_not_found');
    if (target.role === 'owner' && actor.role !== 'owner')
      throw forbidden('Only an owner may reset an owner’s two-factor sign-in');
    const factor = await enabledFactor(trx, actor.workspaceId, target.id);
    if (!factor)
      throw new AppError('two_factor_not_enabled', 'This user’s two-factor sign-in is off');
    await removeTwoFactor(trx, actor.workspaceId, target.id);
    await audit(trx, { actor, action: 'user.two_factor_reset', userId: target.id, ip: props.ip });
  });
}

/**
 * After the right password: when the user has 2FA on, a challenge (256-bit token, only its
 * sha256 kept) instead of a session; null when 2FA is off.
 */
export async function openTwoFactorChallenge(props: {
  db: Db;
  workspaceId: string;
  userId: string;
}): Promise<TwoFactorChallenge | null> {
  if (!(await enabledAt(props.db, props.workspaceId, props.userId))) return null;
  const secret = randomToken(32);
  const expiresAt = new Date(Date.now() + CHALLENGE_MINUTES * 60_000);
  await props.db
    .insertInto('twoFactorChallenges')
    .values({
      workspaceId: props.workspaceId,
      id: uuidv7(),
      userId: props.userId,
      tokenHash: sha256(secret),
      expiresAt,
    })
    .execute();
  return {
    twoFactorRequired: true,
    challengeToken: `${props.workspaceId}.${secret}`,
    expiresAt: expiresAt.toISOString(),
  };
}

type Outcome =
  | { session: Awaited<ReturnType<typeof createSession>>; workspaceId: string; userId: string }
  | { refusal: keyof typeof refusals };

/**
 * The second step of signing in: the challenge's token and a code (of the app, or a
 * recovery code) make the session. The challenge works once and for 5 minutes; each wrong
 * code counts against it (the fifth kills it) and against the user (10 per 15 minutes from
 * anywhere), and against the IP like a password attempt.
 */
export async function completeTwoFactorLogin(props: {
  db: Db;
  limits: RateLimits;
  secretKey: string;
  body: TwoFactorLoginBody;
  ip: string;
  userAgent: string | null;
}) {
  await props.limits.consume('login-ip', props.ip, loginLimits.perIp);
  const parsed = parseCredential(props.body.challengeToken, 'session');
  if (!parsed) throw refusal('expired');
  const tokenHash = sha256(parsed.secret);
  const owner = await props.db
    .selectFrom('twoFactorChallenges')
    .select('userId')
    .where('workspaceId', '=', parsed.workspaceId)
    .where('tokenHash', '=', tokenHash)
    .executeTakeFirst();
  if (!owner) throw refusal('expired');
  const key = limitKey(parsed.workspaceId, owner.userId);
  await props.limits.consume('two-factor', key, twoFactorLimits.perUser);

  const outcome: Outcome = await props.db.transaction().execute(async (trx) => {
    const challenge = await trx
      .selectFrom('twoFactorChallenges')
      .innerJoin('users', (j) =>
        j
          .onRef('users.workspaceId', '=', 'twoFactorChallenges.workspaceId')
          .onRef('users.id', '=', 'twoFactorChallenges.userId'),
      )
      .select([
        'twoFactorChallenges.id',
        'twoFactorChallenges.userId',
        'twoFactorChallenges.attempts',
        'twoFactorChallenges.expiresAt',
        'twoFactorChallenges.consumedAt',
        'users.status',
      ])
      .where('twoFactorChallenges.workspaceId', '=', parsed.workspaceId)
      .where('twoFactorChallenges.tokenHash', '=', tokenHash)
      .forUpdate('twoFactorChallenges')
      .executeTakeFirst();
    if (!challenge || challenge.consumedAt || challenge.status !== 'active')
      return { refusal: 'expired' };
    if (challenge.attempts >= MAX_CHALLENGE_ATTEMPTS) return { refusal: 'locked' };
    if (challenge.expiresAt.getTime() <= Date.now()) return { refusal: 'expired' };
    // 2FA turned off (an admin's reset) since the password: sign in again.
    const factor = await enabledFactor(trx, parsed.workspaceId, challenge.userId);
    if (!factor) return { refusal: 'expired' };
    const check = await checkCode(trx, {
      secretKey: props.secretKey,
      factor,
      code: props.body.code,
    });
    if (!check.ok) {
      // Kept: the refusal is answered, not thrown, so the count commits.
      await trx
        .updateTable('twoFactorChallenges')
        .set({ attempts: challenge.attempts + 1 })
        .where('workspaceId', '=', parsed.workspaceId)
        .where('id', '=', challenge.id)
        .execute();
      return {
        refusal: challenge.attempts + 1 >= MAX_CHALLENGE_ATTEMPTS ? 'locked' : check.reason,
      };
    }
    await trx
      .updateTable('twoFactorChallenges')
      .set({ consumedAt: new Date() })
      .where('workspaceId', '=', parsed.workspaceId)
      .where('id', '=', challenge.id)
      .execute();
    const session = await createSession(trx, {
      workspaceId: parsed.workspaceId,
      userId: challenge.userId,
      ip: props.ip,
      userAgent: props.userAgent,
    });
    return { session, workspaceId: parsed.workspaceId, userId: challenge.userId };
  });
  if ('refusal' in outcome) throw refusal(outcome.refusal);
  await props.limits.reset('two-factor', key, twoFactorLimits.perUser);
  return outcome;
}
