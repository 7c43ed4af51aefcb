import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, sessionFor } from '../../test/factories.js';

const t = useTestApp();

// The smallest valid PNG (1×1, transparent).
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('profile', () => {
  it('sets your own signature, language and time zone; nobody else sets your signature', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const asAgent = await sessionFor(t.services, agent);
    const changed = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: asAgent,
      body: { signature: 'Ada · Support', locale: 'fa', timeZone: 'Asia/Tehran' },
    });
    expect(changed.statusCode, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ signature: 'Ada · Support', locale: 'fa' });
    const me = await api(t.app, 'GET', '/api/v1/me', { as: asAgent });
    expect(me.body.user.signature).toBe('Ada · Support');
    expect(me.body.user.avatarUrl).toBeNull();

    const asOwner = await sessionFor(t.services, owner);
    const other = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: asOwner,
      body: { signature: 'Not yours' },
    });
    expect(other.statusCode).toBe(403);
    const removed = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: asAgent,
      body: { signature: null },
    });
    expect(removed.body.signature).toBeNull();
  });

  it('sets, shows and removes your own picture; refuses what is not an image', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await sessionFor(t.services, agent);
    const set = await api(t.app, 'PUT', `/api/v1/users/${agent.id}/avatar`, {
      as,
      body: { dataUrl: `data:image/png;base64,${PNG}` },
    });
    expect(set.statusCode, JSON.stringify(set.body)).toBe(200);
    expect(set.body.avatarUrl).toMatch(
      new RegExp(`^/api/v1/users/${agent.id}/avatar\\?v=[0-9a-f]{12}$`),
    );

    // Colleagues see it.
    const asOwner = await sessionFor(t.services, owner);
    const image = await app('GET', set.body.avatarUrl as string, asOwner);
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.equals(Buffer.from(PNG, 'base64'))).toBe(true);

    const lying = await api(t.app, 'PUT', `/api/v1/users/${agent.id}/avatar`, {
      as,
      body: {
        dataUrl: `data:image/png;base64,${Buffer.from('<svg onload=alert(1)>').toString('base64')}`,
      },
    });
    expect(lying.statusCode).toBe(400);
    const notMine = await api(t.app, 'PUT', `/api/v1/users/${agent.id}/avatar`, {
      as: asOwner,
      body: { dataUrl: `data:image/png;base64,${PNG}` },
    });
    expect(notMine.statusCode).toBe(403);

    const removed = await api(t.app, 'DELETE', `/api/v1/users/${agent.id}/avatar`, { as });
    expect(removed.body.avatarUrl).toBeNull();
    expect((await app('GET', `/api/v1/users/${agent.id}/avatar`, as)).statusCode).toBe(404);
  });
});

function app(method: 'GET', url: string, as: { cookie: string }) {
  return t.app.inject({ method, url, headers: { cookie: `parley_session=${as.cookie}` } });
}
