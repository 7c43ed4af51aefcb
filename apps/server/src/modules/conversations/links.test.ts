import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function two() {
  const { workspace } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  const open = (n: number) =>
    ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: `l${n}@example.com` },
      subject: `L${n}`,
      text: 'x',
    });
  const [a, b] = [await open(1), await open(2)];
  return { as: await tokenFor(t.services, agent), a: a.conversationId, b: b.conversationId };
}

describe('links between conversations', () => {
  it('links both ways (parent ↔ child), lists, and unlinks', async () => {
    const { as, a, b } = await two();
    const created = await api(t.app, 'POST', `/api/v1/conversations/${a}/links`, {
      as,
      body: { conversationId: b, kind: 'child' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body.data).toMatchObject([{ conversationId: b, kind: 'child', subject: 'L2' }]);
    const fromB = await api(t.app, 'GET', `/api/v1/conversations/${b}/links`, { as });
    expect(fromB.body.data).toMatchObject([{ conversationId: a, kind: 'parent' }]);
    const again = await api(t.app, 'POST', `/api/v1/conversations/${a}/links`, {
      as,
      body: { conversationId: b, kind: 'related' },
    });
    expect(again.body.data).toHaveLength(1);
    expect(
      (await api(t.app, 'GET', `/api/v1/conversations/${b}/links`, { as })).body.data[0].kind,
    ).toBe('related');
    expect(
      (await api(t.app, 'DELETE', `/api/v1/conversations/${b}/links/${a}`, { as })).statusCode,
    ).toBe(204);
    expect((await api(t.app, 'GET', `/api/v1/conversations/${a}/links`, { as })).body.data).toEqual(
      [],
    );
    expect(
      (await api(t.app, 'DELETE', `/api/v1/conversations/${b}/links/${a}`, { as })).statusCode,
    ).toBe(404);
  });

  it('refuses self-links and conversations of another workspace', async () => {
    const { as, a } = await two();
    const other = await two();
    expect(
      (
        await api(t.app, 'POST', `/api/v1/conversations/${a}/links`, {
          as,
          body: { conversationId: a, kind: 'related' },
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (
        await api(t.app, 'POST', `/api/v1/conversations/${a}/links`, {
          as,
          body: { conversationId: other.a, kind: 'related' },
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await api(t.app, 'GET', `/api/v1/conversations/${other.a}/links`, { as })).statusCode,
    ).toBe(404);
  });
});
