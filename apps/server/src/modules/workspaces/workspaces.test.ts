import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';

const t = useTestApp();

describe('workspace settings', () => {
  it('lets an admin rename the workspace and records an event', async () => {
    const { owner, workspace } = await buildWorkspace(t.services);
    const admin = await buildUser(t.services, { workspaceId: workspace.id, role: 'admin' });
    const res = await api(t.app, 'PATCH', '/api/v1/workspace', {
      as: await tokenFor(t.services, admin),
      body: { name: 'Renamed' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.name).toBe('Renamed');
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .selectAll()
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(events.map((e) => e.type)).toContain('workspace.updated');
    expect(owner.role).toBe('owner');
  });

  it('forbids an agent from changing workspace settings', async () => {
    const agent = await buildUser(t.services, { role: 'agent' });
    const res = await api(t.app, 'PATCH', '/api/v1/workspace', {
      as: await tokenFor(t.services, agent),
      body: { name: 'Mine' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('rejects an empty change and unknown fields with validation_failed', async () => {
    const { owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    expect((await api(t.app, 'PATCH', '/api/v1/workspace', { as, body: {} })).body.error.code).toBe(
      'validation_failed',
    );
    const unknown = await api(t.app, 'PATCH', '/api/v1/workspace', { as, body: { id: 'x' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.error.details.issues[0].path).toBe('body.id');
  });
});

describe('users', () => {
  it('lists the people of the workspace only, paginated', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    for (let i = 0; i < 3; i++) await buildUser(t.services, { workspaceId: workspace.id });
    await buildUser(t.services); // another workspace
    const as = await tokenFor(t.services, owner);
    const first = await api(t.app, 'GET', '/api/v1/users?limit=3', { as });
    expect(first.body.data).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api(
      t.app,
      'GET',
      `/api/v1/users?limit=3&cursor=${first.body.nextCursor}`,
      { as },
    );
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.data, ...second.body.data].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(4);
    const bad = await api(t.app, 'GET', '/api/v1/users?cursor=%27%3Bdrop', { as });
    expect(bad.statusCode).toBe(400);
    const wrongType = await api(t.app, 'GET', '/api/v1/users?limit=many', { as });
    expect(wrongType.body.error.code).toBe('validation_failed');
  });

  it('pages through hundreds of people by name, and finds them by name or email', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    // 240 people in one statement (the factory hashes a password per person).
    const names = Array.from({ length: 240 }, (_, i) =>
      i % 3 === 0 ? `agent ${String(i).padStart(3, '0')}` : `Agent ${String(i).padStart(3, '0')}`,
    );
    names.push('Zahra 100%_done', 'زهرا احمدی', '王芳');
    await t.services.db
      .insertInto('users')
      .values(
        names.map((name, i) => ({
          id: uuidv7(),
          workspaceId: workspace.id,
          email: `p${String(i)}@people.example`,
          name,
          role: 'agent' as const,
          passwordHash: null,
        })),
      )
      .execute();
    await buildUser(t.services, { name: 'Agent 000 elsewhere' }); // another workspace
    const as = await tokenFor(t.services, owner);
    const all = async (query: string) => {
      const seen: { name: string; id: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await api(
          t.app,
          'GET',
          `/api/v1/users?${query}${cursor ? `&cursor=${cursor}` : ''}`,
          { as },
        );
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        seen.push(...(res.body.data as { name: string; id: string }[]));
        cursor = res.body.nextCursor as string | null;
        pages += 1;
      } while (cursor);
      return { seen, pages };
    };
    const byName = await all('sort=name&limit=100');
    expect(byName.pages).toBe(3);
    expect(byName.seen).toHaveLength(names.length + 1); // and the owner
    expect(new Set(byName.seen.map((u) => u.id)).size).toBe(byName.seen.length);
    // Case-insensitive for Latin letters: "agent 003" between "Agent 002" and "Agent 004".
    const agents = byName.seen.filter((u) => /^agent \d+$/i.test(u.name)).map((u) => u.name);
    expect(agents.slice(0, 5)).toEqual([
      'agent 000',
      'Agent 001',
      'Agent 002',
      'agent 003',
      'Agent 004',
    ]);
    expect(agents).toHaveLength(240);
    const created = await all('limit=200');
    expect(created.pages).toBe(2);
    expect(created.seen.map((u) => u.id)).toEqual(created.seen.map((u) => u.id).sort());

    const find = async (q: string) =>
      (
        (await api(t.app, 'GET', `/api/v1/users?sort=name&q=${encodeURIComponent(q)}`, { as })).body
          .data as { name: string }[]
      ).map((u) => u.name);
    expect(await find('AGENT 12')).toEqual(Array.from({ length: 10 }, (_, i) => names[120 + i]));
    expect(await find('p241@people')).toEqual(['زهرا احمدی']);
    expect(await find('زهرا')).toEqual(['زهرا احمدی']);
    expect(await find('芳')).toEqual(['王芳']);
    // % and _ are letters here, not patterns.
    expect(await find('100%_')).toEqual(['Zahra 100%_done']);
    expect(await find('%')).toEqual(['Zahra 100%_done']);

    // A cursor of the other order is refused rather than misread.
    const first = await api(t.app, 'GET', '/api/v1/users?limit=5', { as });
    const mixed = await api(
      t.app,
      'GET',
      `/api/v1/users?sort=name&cursor=${first.body.nextCursor as string}`,
      { as },
    );
    expect(mixed.statusCode).toBe(400);
    expect(mixed.body.error.code).toBe('validation_failed');
    const badSort = await api(t.app, 'GET', '/api/v1/users?sort=email', { as });
    expect(badSort.statusCode).toBe(400);
  });

  it('an admin changes a role; the change is audited', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const res = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: await sessionFor(t.services, owner),
      body: { role: 'manager' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.role).toBe('manager');
    const audit = await t.services.db
      .selectFrom('auditLog')
      .selectAll()
      .where('targetId', '=', agent.id)
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('nobody raises their own role, and an agent changes no one else', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const admin = await buildUser(t.services, { workspaceId: workspace.id, role: 'admin' });
    const agent = await buildUser(t.services, { workspaceId: workspace.id, role: 'agent' });
    const self = await api(t.app, 'PATCH', `/api/v1/users/${admin.id}`, {
      as: await tokenFor(t.services, admin),
      body: { role: 'owner' },
    });
    expect(self.statusCode).toBe(403);
    const agentSelf = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: await tokenFor(t.services, agent),
      body: { role: 'admin' },
    });
    expect(agentSelf.statusCode).toBe(403);
    const other = await api(t.app, 'PATCH', `/api/v1/users/${admin.id}`, {
      as: await tokenFor(t.services, agent),
      body: { name: 'x' },
    });
    expect(other.statusCode).toBe(403);
    const adminMakesOwner = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: await tokenFor(t.services, admin),
      body: { role: 'owner' },
    });
    expect(adminMakesOwner.statusCode).toBe(403);
  });

  it('keeps the last active owner', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const second = await buildUser(t.services, { workspaceId: workspace.id, role: 'owner' });
    const as = await tokenFor(t.services, second);
    const demote = await api(t.app, 'PATCH', `/api/v1/users/${owner.id}`, {
      as,
      body: { role: 'admin' },
    });
    expect(demote.statusCode).toBe(200);
    const last = await api(t.app, 'PATCH', `/api/v1/users/${second.id}`, {
      as: await tokenFor(t.services, owner),
      body: { role: 'agent' },
    });
    expect(last.statusCode).toBe(403);
  });

  it('deactivating a user ends their sessions and tokens at once', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const session = await sessionFor(t.services, agent);
    const token = await tokenFor(t.services, agent);
    const res = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: await tokenFor(t.services, owner),
      body: { status: 'deactivated' },
    });
    expect(res.body.status).toBe('deactivated');
    expect((await api(t.app, 'GET', '/api/v1/me', { as: session })).statusCode).toBe(401);
    expect((await api(t.app, 'GET', '/api/v1/me', { as: token })).statusCode).toBe(401);
  });
});

describe('invitations', () => {
  it('invites, accepts once, and signs the new user in', async () => {
    const { owner } = await buildWorkspace(t.services);
    const as = await tokenFor(t.services, owner);
    const invite = await api(t.app, 'POST', '/api/v1/invitations', {
      as,
      body: { email: 'New.Agent@Example.com', role: 'agent' },
    });
    expect(invite.statusCode).toBe(201);
    expect(invite.body.email).toBe('new.agent@example.com');
    const token = /token=(.+)$/.exec(invite.body.acceptUrl as string)?.[1] ?? '';
    expect((await api(t.app, 'GET', '/api/v1/invitations', { as })).body.data).toHaveLength(1);
    const accepted = await api(t.app, 'POST', '/api/v1/invitations/accept', {
      body: { token, name: 'Nowa Agentka', password: 'zażółć gęślą jaźń', locale: 'pl' },
    });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.body.user.role).toBe('agent');
    // The language the invitation page was read in is the new user's (sign-in applies it).
    expect(accepted.body.user.locale).toBe('pl');
    expect(String(accepted.headers['set-cookie'])).toMatch(/parley_session=/);
    const again = await api(t.app, 'POST', '/api/v1/invitations/accept', {
      body: { token, name: 'Again', password: 'another password' },
    });
    expect(again.statusCode).toBe(410);
    expect(again.body.error.code).toBe('invitation_used');
  });

  it('an admin cannot invite an owner; an unknown token is 404', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const admin = await buildUser(t.services, { workspaceId: workspace.id, role: 'admin' });
    const res = await api(t.app, 'POST', '/api/v1/invitations', {
      as: await tokenFor(t.services, admin),
      body: { email: 'boss@example.com', role: 'owner' },
    });
    expect(res.statusCode).toBe(403);
    const unknown = await api(t.app, 'POST', '/api/v1/invitations/accept', {
      body: {
        token: `${workspace.id}.${'a'.repeat(43)}`,
        name: 'X',
        password: 'long enough password',
      },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('refuses to invite someone who already works here', async () => {
    const { owner } = await buildWorkspace(t.services);
    const res = await api(t.app, 'POST', '/api/v1/invitations', {
      as: await tokenFor(t.services, owner),
      body: { email: owner.email, role: 'agent' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.body.error.code).toBe('email_taken');
  });
});
