import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { api, sessionCookieOf, useTestApp, type ApiResponse, type As } from '../../test/harness.js';
import {
  buildUser,
  buildWorkspace,
  FACTORY_PASSWORD,
  sessionFor,
  tokenFor,
} from '../../test/factories.js';

const t = useTestApp();

let ipCounter = 0;
/** Each test signs in from its own address: the per-IP login limit is not what it tests. */
const nextIp = () => `10.77.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

/** The 6-digit code of `secret` for the step `offset` steps from now. */
function codeAt(secret: string, offset = 0, now = Date.now()): string {
  return new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  }).generate({ timestamp: now + offset * 30_000 });
}

/** A code that is not right for any step near now. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((o) => codeAt(secret, o)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

/**
 * A user (an agent, unless said) with 2FA on: the secret from set-up, the recovery codes, and
 * a session. Enabled with the code of the previous step, so the current and next ones are
 * still unused.
 */
async function enrolled(
  overrides: { workspaceId?: string; role?: 'owner' | 'admin' | 'agent' } = {},
) {
  const user = await buildUser(t.services, overrides);
  const as = await sessionFor(t.services, user);
  const setup = await api(t.app, 'POST', '/api/v1/auth/two-factor/setup', { as });
  expect(setup.statusCode).toBe(200);
  const secret = setup.body.secret as string;
  const enable = await api(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
    as,
    body: { password: FACTORY_PASSWORD, code: codeAt(secret, -1) },
  });
  expect(enable.statusCode).toBe(200);
  return { user, as, secret, recoveryCodes: enable.body.recoveryCodes as string[] };
}

async function passwordStep(email: string, ip = nextIp()) {
  const res = await api(t.app, 'POST', '/api/v1/auth/login', {
    body: { email, password: FACTORY_PASSWORD },
    ip,
  });
  expect(res.statusCode).toBe(200);
  expect(res.body.twoFactorRequired).toBe(true);
  return res.body.challengeToken as string;
}

function codeStep(challengeToken: string, code: string, ip = nextIp()) {
  return api(t.app, 'POST', '/api/v1/auth/login/two-factor', {
    body: { challengeToken, code },
    ip,
  });
}

describe('two-factor enrolment', () => {
  it('sets up a pending TOTP secret, confirms it with the password and a code, and answers recovery codes once', async () => {
    const user = await buildUser(t.services);
    const as = await sessionFor(t.services, user);
    const responses: ApiResponse[] = [];
    const call = async (...args: Parameters<typeof api>) => {
      const res = await api(...args);
      responses.push(res);
      return res;
    };

    const before = await call(t.app, 'GET', '/api/v1/auth/two-factor', { as });
    expect(before.body).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0 });

    const setup = await api(t.app, 'POST', '/api/v1/auth/two-factor/setup', { as });
    expect(setup.statusCode).toBe(200);
    const { secret, uri, qrSvg } = setup.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.host).toBe('totp');
    expect(Object.fromEntries(parsed.searchParams)).toMatchObject({
      secret,
      issuer: 'Parley',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect(decodeURIComponent(parsed.pathname)).toContain(user.email);
    expect(qrSvg).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\s*$/);

    // Stored sealed, pending.
    const row = await t.services.db
      .selectFrom('userTwoFactor')
      .selectAll()
      .where('userId', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.enabledAt).toBeNull();
    expect(row.secretSealed).toMatch(/^v1\./);
    expect(row.secretSealed).not.toContain(secret);

    // Still off until confirmed; sign-in needs no code yet.
    const plain = await call(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: FACTORY_PASSWORD },
      ip: nextIp(),
    });
    expect(plain.body.user.id).toBe(user.id);

    const wrongPassword = await call(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
      as,
      body: { password: 'not the password', code: codeAt(secret) },
    });
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');
    const wrong = await call(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
      as,
      body: { password: FACTORY_PASSWORD, code: wrongCode(secret) },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body.error.code).toBe('two_factor_invalid');
    expect((await call(t.app, 'GET', '/api/v1/auth/two-factor', { as })).body.enabled).toBe(false);

    const enable = await call(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
      as,
      body: { password: FACTORY_PASSWORD, code: codeAt(secret) },
    });
    expect(enable.statusCode).toBe(200);
    const codes: string[] = enable.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    // 10 characters of a 32-letter alphabet: 50 bits each.
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);

    const status = await call(t.app, 'GET', '/api/v1/auth/two-factor', { as });
    expect(status.body).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    expect(status.body.enabledAt).toEqual(expect.any(String));

    // Only hashes of the recovery codes are kept.
    const stored = await t.services.db
      .selectFrom('twoFactorRecoveryCodes')
      .select('codeHash')
      .where('userId', '=', user.id)
      .execute();
    expect(stored).toHaveLength(10);
    for (const code of codes) {
      const bare = code.replace('-', '');
      expect(stored.some((s) => s.codeHash.includes(bare))).toBe(false);
    }

    // A second set-up cannot replace an enabled secret.
    const again = await call(t.app, 'POST', '/api/v1/auth/two-factor/setup', { as });
    expect(again.statusCode).toBe(409);
    expect(again.body.error.code).toBe('two_factor_enabled');

    // After set-up, no answer carries the secret (or anything else about it).
    const challenge = await passwordStep(user.email);
    responses.push(await codeStep(challenge, codeAt(secret, 1)));
    responses.push(await api(t.app, 'GET', '/api/v1/me', { as }));
    responses.push(await api(t.app, 'GET', `/api/v1/users/${user.id}`, { as }));
    for (const res of responses) {
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(secret);
      expect(text).not.toContain('secretSealed');
    }
  });

  it('confirms only a pending set-up', async () => {
    const user = await buildUser(t.services);
    const as = await sessionFor(t.services, user);
    const res = await api(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
      as,
      body: { password: FACTORY_PASSWORD, code: '123456' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.body.error.code).toBe('two_factor_setup_required');
  });

  it('ends the user’s other sessions when it is turned on, and keeps the one that proved the code', async () => {
    const user = await buildUser(t.services);
    const here = await sessionFor(t.services, user);
    const elsewhere = await sessionFor(t.services, user);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: elsewhere })).statusCode).toBe(200);
    const setup = await api(t.app, 'POST', '/api/v1/auth/two-factor/setup', { as: here });
    const enable = await api(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
      as: here,
      body: { password: FACTORY_PASSWORD, code: codeAt(setup.body.secret as string) },
    });
    expect(enable.statusCode).toBe(200);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: elsewhere })).statusCode).toBe(401);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: here })).statusCode).toBe(200);
  });
});

describe('signing in with two-factor', () => {
  it('answers a challenge instead of a session, and the code makes the session', async () => {
    const { user, secret } = await enrolled();
    const login = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: FACTORY_PASSWORD },
      ip: nextIp(),
    });
    expect(login.statusCode).toBe(200);
    expect(login.body).toEqual({
      twoFactorRequired: true,
      challengeToken: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(login.headers['set-cookie']).toBeUndefined();
    const token: string = login.body.challengeToken;
    // <workspace id>.<256 random bits>
    expect(token.split('.')[1]?.length).toBeGreaterThanOrEqual(43);
    const minutes = (Date.parse(login.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4.5);
    expect(minutes).toBeLessThanOrEqual(5);

    const wrong = await codeStep(token, wrongCode(secret));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body.error.code).toBe('two_factor_invalid');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const right = await codeStep(
      token,
      ` ${codeAt(secret).slice(0, 3)} ${codeAt(secret).slice(3)} `,
    );
    expect(right.statusCode).toBe(200);
    expect(right.body.user.id).toBe(user.id);
    const me = await api(t.app, 'GET', '/api/v1/me', {
      as: { cookie: sessionCookieOf(right), csrf: right.body.csrfToken },
    });
    expect(me.statusCode).toBe(200);
    expect(me.body.user.id).toBe(user.id);

    // The challenge worked once.
    const reused = await codeStep(token, codeAt(secret, 1));
    expect(reused.statusCode).toBe(401);
    expect(reused.body.error.code).toBe('two_factor_expired');
  });

  it('refuses an expired challenge and an unknown one', async () => {
    const { user, secret } = await enrolled();
    const token = await passwordStep(user.email);
    await t.services.db
      .updateTable('twoFactorChallenges')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('userId', '=', user.id)
      .execute();
    const expired = await codeStep(token, codeAt(secret));
    expect(expired.statusCode).toBe(401);
    expect(expired.body.error.code).toBe('two_factor_expired');
    const unknown = await codeStep(`${user.workspaceId}.${'x'.repeat(43)}`, codeAt(secret));
    expect(unknown.body.error.code).toBe('two_factor_expired');
    const garbage = await codeStep('not-a-token', codeAt(secret));
    expect(garbage.body.error.code).toBe('two_factor_expired');
  });

  it('accepts a code of the step before or after, and never the same code twice (replay)', async () => {
    const { user, secret } = await enrolled();
    // The code that enabled it (previous step) is used up.
    const first = await passwordStep(user.email);
    const replay = await codeStep(first, codeAt(secret, -1));
    expect(replay.statusCode).toBe(401);
    expect(replay.body.error.code).toBe('two_factor_code_used');

    const code = codeAt(secret, 0);
    expect((await codeStep(first, code)).statusCode).toBe(200);
    // The same code again, within its step, on a new challenge.
    const second = await passwordStep(user.email);
    const again = await codeStep(second, code);
    expect(again.body.error.code).toBe('two_factor_code_used');
    // The next step's code (clock drift of one step) is fine, and its step is recorded.
    const now = Date.now();
    expect((await codeStep(second, codeAt(secret, 1, now))).statusCode).toBe(200);
    const last = await t.services.db
      .selectFrom('userTwoFactor')
      .select('lastUsedStep')
      .where('userId', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(last.lastUsedStep).toBe(Math.floor(now / 30_000) + 1);
  });

  it('signs in with a recovery code once', async () => {
    const { user, as, recoveryCodes } = await enrolled();
    const code = recoveryCodes[3]!;
    const first = await passwordStep(user.email);
    // Typed in capitals with a space instead of the dash: the same code.
    const ok = await codeStep(first, code.toUpperCase().replace('-', ' '));
    expect(ok.statusCode).toBe(200);
    expect(ok.body.user.id).toBe(user.id);
    const status = await api(t.app, 'GET', '/api/v1/auth/two-factor', { as });
    expect(status.body.recoveryCodesLeft).toBe(9);

    const second = await passwordStep(user.email);
    const reused = await codeStep(second, code);
    expect(reused.statusCode).toBe(401);
    expect(reused.body.error.code).toBe('two_factor_invalid');
    // Another one still works.
    expect((await codeStep(second, recoveryCodes[4]!)).statusCode).toBe(200);
  });

  it('kills a challenge after 5 wrong codes and limits a user to 10 code attempts in 15 minutes', async () => {
    const { user, secret } = await enrolled();
    const bad = wrongCode(secret);
    const first = await passwordStep(user.email);
    for (let i = 1; i <= 4; i++)
      expect((await codeStep(first, bad)).body.error.code).toBe('two_factor_invalid');
    expect((await codeStep(first, bad)).body.error.code).toBe('two_factor_locked');
    // Dead even for the right code.
    expect((await codeStep(first, codeAt(secret))).body.error.code).toBe('two_factor_locked');

    // A new challenge, from other addresses: the user's own count goes on (6 so far).
    const second = await passwordStep(user.email);
    for (let i = 7; i <= 10; i++)
      expect((await codeStep(second, bad)).body.error.code).toBe('two_factor_invalid');
    const blocked = await codeStep(second, codeAt(secret));
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('refuses the code step of a user deactivated after the password', async () => {
    const { user, secret } = await enrolled();
    const token = await passwordStep(user.email);
    await t.services.db
      .updateTable('users')
      .set({ status: 'deactivated' })
      .where('id', '=', user.id)
      .execute();
    expect((await codeStep(token, codeAt(secret))).body.error.code).toBe('two_factor_expired');
  });

  it('leaves API tokens as they are', async () => {
    const { user } = await enrolled();
    const token = await tokenFor(t.services, user);
    const me = await api(t.app, 'GET', '/api/v1/me', { as: token });
    expect(me.statusCode).toBe(200);
    expect(me.body.user.id).toBe(user.id);
  });
});

describe('turning two-factor off, new recovery codes, admin reset', () => {
  it('turns off with the password and a code; sign-in asks for no code afterwards', async () => {
    const { user, as, secret, recoveryCodes } = await enrolled();
    const wrongPassword = await api(t.app, 'POST', '/api/v1/auth/two-factor/disable', {
      as,
      body: { password: 'nope nope nope', code: codeAt(secret) },
    });
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');
    const wrong = await api(t.app, 'POST', '/api/v1/auth/two-factor/disable', {
      as,
      body: { password: FACTORY_PASSWORD, code: wrongCode(secret) },
    });
    expect(wrong.body.error.code).toBe('two_factor_invalid');
    // A recovery code does it too (the phone is gone).
    const off = await api(t.app, 'POST', '/api/v1/auth/two-factor/disable', {
      as,
      body: { password: FACTORY_PASSWORD, code: recoveryCodes[0]! },
    });
    expect(off.statusCode).toBe(204);
    const status = await api(t.app, 'GET', '/api/v1/auth/two-factor', { as });
    expect(status.body).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0 });
    const left = await t.services.db
      .selectFrom('twoFactorRecoveryCodes')
      .select('codeHash')
      .where('userId', '=', user.id)
      .execute();
    expect(left).toEqual([]);
    const login = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: FACTORY_PASSWORD },
      ip: nextIp(),
    });
    expect(login.body.user.id).toBe(user.id);
    const again = await api(t.app, 'POST', '/api/v1/auth/two-factor/disable', {
      as,
      body: { password: FACTORY_PASSWORD, code: codeAt(secret) },
    });
    expect(again.statusCode).toBe(409);
    expect(again.body.error.code).toBe('two_factor_not_enabled');
  });

  it('replaces the recovery codes for a code; the old ones stop working', async () => {
    const { user, as, secret, recoveryCodes } = await enrolled();
    const wrong = await api(t.app, 'POST', '/api/v1/auth/two-factor/recovery-codes', {
      as,
      body: { code: wrongCode(secret) },
    });
    expect(wrong.body.error.code).toBe('two_factor_invalid');
    const fresh = await api(t.app, 'POST', '/api/v1/auth/two-factor/recovery-codes', {
      as,
      body: { code: codeAt(secret) },
    });
    expect(fresh.statusCode).toBe(200);
    const codes: string[] = fresh.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(codes.some((c) => recoveryCodes.includes(c))).toBe(false);

    const token = await passwordStep(user.email);
    expect((await codeStep(token, recoveryCodes[1]!)).body.error.code).toBe('two_factor_invalid');
    expect((await codeStep(token, codes[1]!)).statusCode).toBe(200);
  });

  it('lets an admin reset another user’s two-factor (audit-logged), within the rules', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const admin = await buildUser(t.services, { workspaceId: workspace.id, role: 'admin' });
    const agent = await buildUser(t.services, { workspaceId: workspace.id, role: 'agent' });
    const target = await enrolled({ workspaceId: workspace.id });
    const asAdmin = await sessionFor(t.services, admin);
    const asAgent = await sessionFor(t.services, agent);

    const seen = await api(t.app, 'GET', `/api/v1/users/${target.user.id}/two-factor`, {
      as: asAdmin,
    });
    expect(seen.body).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    // The people list says whose 2FA is on to admins, and nothing of it to agents.
    const people = async (as: As) =>
      (
        (await api(t.app, 'GET', '/api/v1/users?limit=100', { as })).body.data as {
          id: string;
          twoFactorEnabled?: boolean;
        }[]
      ).map((u) => [u.id, u.twoFactorEnabled]);
    expect(await people(asAdmin)).toEqual(
      expect.arrayContaining([
        [target.user.id, true],
        [agent.id, false],
      ]),
    );
    expect((await people(asAgent)).every(([, on]) => on === undefined)).toBe(true);

    const byAgent = await api(t.app, 'DELETE', `/api/v1/users/${target.user.id}/two-factor`, {
      as: asAgent,
    });
    expect(byAgent.statusCode).toBe(403);

    const reset = await api(t.app, 'DELETE', `/api/v1/users/${target.user.id}/two-factor`, {
      as: asAdmin,
      ip: '10.9.9.9',
    });
    expect(reset.statusCode).toBe(204);
    const entry = await t.services.db
      .selectFrom('auditLog')
      .selectAll()
      .where('workspaceId', '=', workspace.id)
      .where('action', '=', 'user.two_factor_reset')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({
      actorUserId: admin.id,
      targetType: 'user',
      targetId: target.user.id,
      ip: '10.9.9.9',
    });
    // Signs in with the password alone now.
    const login = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: target.user.email, password: FACTORY_PASSWORD },
      ip: nextIp(),
    });
    expect(login.body.user.id).toBe(target.user.id);
    const twice = await api(t.app, 'DELETE', `/api/v1/users/${target.user.id}/two-factor`, {
      as: asAdmin,
    });
    expect(twice.body.error.code).toBe('two_factor_not_enabled');
    expect(await people(asAdmin)).toEqual(expect.arrayContaining([[target.user.id, false]]));

    // Not an owner's (unless by an owner), and not one's own.
    const ownerAs = await sessionFor(t.services, owner);
    const ownerSetup = await api(t.app, 'POST', '/api/v1/auth/two-factor/setup', { as: ownerAs });
    await api(t.app, 'POST', '/api/v1/auth/two-factor/enable', {
      as: ownerAs,
      body: { password: FACTORY_PASSWORD, code: codeAt(ownerSetup.body.secret) },
    });
    const onOwner = await api(t.app, 'DELETE', `/api/v1/users/${owner.id}/two-factor`, {
      as: asAdmin,
    });
    expect(onOwner.statusCode).toBe(403);
    const self = await api(t.app, 'DELETE', `/api/v1/users/${owner.id}/two-factor`, {
      as: ownerAs,
    });
    expect(self.statusCode).toBe(403);
  });

  it('puts every new route in the OpenAPI document', async () => {
    const res = await api(t.app, 'GET', '/api/openapi.json');
    const paths = Object.keys(res.body.paths);
    for (const path of [
      '/api/v1/auth/login/two-factor',
      '/api/v1/auth/two-factor',
      '/api/v1/auth/two-factor/setup',
      '/api/v1/auth/two-factor/enable',
      '/api/v1/auth/two-factor/disable',
      '/api/v1/auth/two-factor/recovery-codes',
      '/api/v1/users/{id}/two-factor',
    ])
      expect(paths).toContain(path);
    const login = res.body.paths['/api/v1/auth/login'].post;
    expect(JSON.stringify(login.responses['200'])).toContain('twoFactorRequired');
    expect(res.body.info.description).toContain('two_factor_locked');
  });
});
