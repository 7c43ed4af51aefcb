import { describe, expect, it } from 'vitest';
import { api, sessionCookieOf, useTestApp } from '../../test/harness.js';
import {
  buildUser,
  buildWorkspace,
  FACTORY_PASSWORD,
  sessionFor,
  tokenFor,
} from '../../test/factories.js';

const t = useTestApp();

describe('login', () => {
  it('signs in with email and password and sets an httpOnly SameSite session cookie', async () => {
    const { owner } = await buildWorkspace(t.services);
    const res = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: owner.email.toUpperCase(), password: FACTORY_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.user.email).toBe(owner.email);
    expect(res.body.csrfToken).toEqual(expect.any(String));
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const me = await api(t.app, 'GET', '/api/v1/me', {
      as: { cookie: sessionCookieOf(res), csrf: res.body.csrfToken },
    });
    expect(me.statusCode).toBe(200);
    expect(me.body.user.id).toBe(owner.id);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const { owner } = await buildWorkspace(t.services);
    const wrong = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: owner.email, password: 'nope' },
      ip: '10.1.0.1',
    });
    const unknown = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: 'nobody@example.com', password: 'nope' },
      ip: '10.1.0.2',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
  });

  it('refuses a deactivated user', async () => {
    const user = await buildUser(t.services);
    await t.services.db
      .updateTable('users')
      .set({ status: 'deactivated' })
      .where('id', '=', user.id)
      .execute();
    const res = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: FACTORY_PASSWORD },
      ip: '10.1.0.3',
    });
    expect(res.body.error.code).toBe('invalid_credentials');
  });

  it('rate-limits one account after 10 attempts with 429 and Retry-After, from any IP', async () => {
    const { owner } = await buildWorkspace(t.services);
    for (let i = 0; i < 10; i++) {
      const res = await api(t.app, 'POST', '/api/v1/auth/login', {
        body: { email: owner.email, password: 'wrong' },
        ip: `10.2.0.${i}`,
      });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: owner.email, password: FACTORY_PASSWORD },
      ip: '10.2.1.1',
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rate-limits one IP after 30 attempts across accounts', async () => {
    for (let i = 0; i < 30; i++) {
      await api(t.app, 'POST', '/api/v1/auth/login', {
        body: { email: `x${i}@example.com`, password: 'wrong' },
        ip: '10.3.0.1',
      });
    }
    const blocked = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: 'y@example.com', password: 'wrong' },
      ip: '10.3.0.1',
    });
    expect(blocked.statusCode).toBe(429);
  });

  it('asks which workspace when the same email and password work in two', async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const email = `twice-${Date.now()}@example.com`;
    await buildUser(t.services, { workspaceId: a.workspace.id, email });
    await buildUser(t.services, { workspaceId: b.workspace.id, email });
    const ambiguous = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email, password: FACTORY_PASSWORD },
      ip: '10.4.0.1',
    });
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.body.error.code).toBe('workspace_required');
    expect([...ambiguous.body.error.details.workspaces].sort()).toEqual(
      [a.workspace.slug, b.workspace.slug].sort(),
    );
    const chosen = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email, password: FACTORY_PASSWORD, workspace: b.workspace.slug },
      ip: '10.4.0.1',
    });
    expect(chosen.statusCode).toBe(200);
    expect(chosen.body.workspace.id).toBe(b.workspace.id);
  });
});

describe('sessions', () => {
  it('rejects a cookie-authenticated change without the CSRF header', async () => {
    const user = await buildUser(t.services);
    const session = await sessionFor(t.services, user);
    const without = await api(t.app, 'PATCH', `/api/v1/users/${user.id}`, {
      as: session,
      headers: { 'x-csrf-token': 'wrong' },
      body: { name: 'New' },
    });
    expect(without.statusCode).toBe(403);
    expect(without.body.error.code).toBe('csrf_failed');
    const withIt = await api(t.app, 'PATCH', `/api/v1/users/${user.id}`, {
      as: session,
      body: { name: 'New' },
    });
    expect(withIt.statusCode).toBe(200);
  });

  it('logs out: the cookie no longer works', async () => {
    const user = await buildUser(t.services);
    const session = await sessionFor(t.services, user);
    const out = await api(t.app, 'POST', '/api/v1/auth/logout', { as: session });
    expect(out.statusCode).toBe(204);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: session })).statusCode).toBe(401);
  });

  it('a password change keeps this session and revokes every other', async () => {
    const user = await buildUser(t.services);
    const current = await sessionFor(t.services, user);
    const other = await sessionFor(t.services, user);
    const wrong = await api(t.app, 'POST', '/api/v1/auth/password', {
      as: current,
      body: { currentPassword: 'not it', newPassword: 'a brand new password' },
    });
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const res = await api(t.app, 'POST', '/api/v1/auth/password', {
      as: current,
      body: { currentPassword: FACTORY_PASSWORD, newPassword: 'a brand new password' },
    });
    expect(res.statusCode).toBe(204);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: current })).statusCode).toBe(200);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: other })).statusCode).toBe(401);
    const login = await api(t.app, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: 'a brand new password' },
      ip: '10.5.0.1',
    });
    expect(login.statusCode).toBe(200);
  });

  it('answers 401 unauthorized without credentials', async () => {
    const res = await api(t.app, 'GET', '/api/v1/me');
    expect(res.statusCode).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});

describe('API tokens', () => {
  it('creates a token shown once, authenticates with it, and revokes it', async () => {
    const user = await buildUser(t.services);
    const session = await sessionFor(t.services, user);
    const created = await api(t.app, 'POST', '/api/v1/tokens', {
      as: session,
      body: { name: 'script' },
    });
    expect(created.statusCode).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^prl_/);
    const list = await api(t.app, 'GET', '/api/v1/tokens', { as: { token } });
    expect(list.body.data).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(token);
    const stored = await t.services.db
      .selectFrom('apiTokens')
      .select('tokenHash')
      .executeTakeFirstOrThrow();
    expect(stored.tokenHash.toString()).not.toContain(token.slice(41));
    const revoked = await api(t.app, 'DELETE', `/api/v1/tokens/${created.body.id}`, {
      as: session,
    });
    expect(revoked.statusCode).toBe(204);
    const after = await api(t.app, 'GET', '/api/v1/me', { as: { token } });
    expect(after.statusCode).toBe(401);
  });

  it('a read-only token may read but not change anything (403 insufficient_scope)', async () => {
    const user = await buildUser(t.services);
    const readOnly = await tokenFor(t.services, user, ['read']);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: readOnly })).statusCode).toBe(200);
    const write = await api(t.app, 'PATCH', `/api/v1/users/${user.id}`, {
      as: readOnly,
      body: { name: 'x' },
    });
    expect(write.statusCode).toBe(403);
    expect(write.body.error.code).toBe('insufficient_scope');
  });

  it('token auth needs no CSRF header', async () => {
    const user = await buildUser(t.services);
    const token = await tokenFor(t.services, user);
    const res = await api(t.app, 'PATCH', `/api/v1/users/${user.id}`, {
      as: token,
      body: { name: 'Via token' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('rejects a malformed or unknown bearer token with 401', async () => {
    for (const token of ['nonsense', `prl_${'0'.repeat(36)}_${'x'.repeat(43)}`]) {
      const res = await api(t.app, 'GET', '/api/v1/me', { as: { token } });
      expect(res.statusCode).toBe(401);
    }
  });
});
