import { describe, expect, it } from 'vitest';
import { uuidv7 } from 'uuidv7';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function conversationIn(workspaceId: string, n: number) {
  return (
    await ingest(t.services.db, {
      workspaceId,
      channel: 'email',
      from: { kind: 'email', value: `bulk${n}@example.com` },
      subject: `Bulk ${n}`,
      text: 'Hej',
    })
  ).conversationId;
}

describe('POST /api/v1/conversations/bulk', () => {
  it('applies one change to many, atomically each, and reports the ones it could not', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const mine = await Promise.all([1, 2, 3].map((n) => conversationIn(workspace.id, n)));
    const other = await conversationIn((await buildWorkspace(t.services)).workspace.id, 9);
    const missing = uuidv7();
    const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: {
        ids: [...mine, other, missing],
        changes: { assigneeId: agent.id, status: 'open', priority: 'high' },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ updated: 3, failed: 2 });
    expect(
      res.body.results
        .filter((r: { ok: boolean }) => !r.ok)
        .map((r: { id: string; error: { code: string } }) => [r.id, r.error.code]),
    ).toEqual([
      [other, 'conversation_not_found'],
      [missing, 'conversation_not_found'],
    ]);
    const rows = await t.services.db
      .selectFrom('conversations')
      .select(['id', 'assigneeId', 'status', 'priority'])
      .where('id', 'in', [...mine, other])
      .execute();
    for (const row of rows) {
      if (row.id === other)
        expect(row).toMatchObject({ assigneeId: null, status: 'new', priority: 'normal' });
      else expect(row).toMatchObject({ assigneeId: agent.id, status: 'open', priority: 'high' });
    }
  });

  it('refuses more than 1,000 conversations, duplicates, and collaborators', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const tooMany = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: Array.from({ length: 1001 }, () => uuidv7()), changes: { status: 'open' } },
    });
    expect(tooMany.statusCode).toBe(400);
    const id = await conversationIn(workspace.id, 1);
    const duplicate = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [id, id], changes: { status: 'open' } },
    });
    expect(duplicate.statusCode).toBe(400);
    const collaborator = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'collaborator',
    });
    const refused = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as: await tokenFor(t.services, collaborator),
      body: { ids: [id], changes: { status: 'closed' } },
    });
    expect(refused.statusCode).toBe(403);
  });
});

describe('POST /api/v1/conversations/bulk with addTags / removeTags', () => {
  async function tagged(workspaceId: string, tags: string[][]) {
    const ids: string[] = [];
    for (const [n, set] of tags.entries()) {
      const id = await conversationIn(workspaceId, 100 + n);
      await t.services.db
        .updateTable('conversations')
        .set({ tags: set })
        .where('id', '=', id)
        .execute();
      ids.push(id);
    }
    return ids;
  }
  const stored = async (ids: string[]) =>
    Object.fromEntries(
      (
        await t.services.db
          .selectFrom('conversations')
          .select(['id', 'tags', 'updatedAt'])
          .where('id', 'in', ids)
          .execute()
      ).map((r) => [r.id, r]),
    );
  const tagEvents = (id: string) =>
    t.services.db
      .selectFrom('conversationEvents')
      .select(['type', 'actorType', 'actorId', 'data'])
      .where('conversationId', '=', id)
      .where('type', '=', 'conversation.tags_changed')
      .orderBy('id')
      .execute();

  it('adds and removes tags in each conversation’s own set, with one timeline entry per change', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const [a, b, c] = await tagged(workspace.id, [['delivery'], ['VIP', 'refund'], []]);
    const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [a, b, c], changes: { addTags: [' vip ', 'billing'], removeTags: ['refund'] } },
    });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ updated: 3, failed: 0 });
    const rows = await stored([a!, b!, c!]);
    // Compared ignoring case: B keeps its "VIP" rather than gaining a "vip".
    expect(rows[a!]?.tags).toEqual(['delivery', 'vip', 'billing']);
    expect(rows[b!]?.tags).toEqual(['VIP', 'billing']);
    expect(rows[c!]?.tags).toEqual(['vip', 'billing']);
    expect(await tagEvents(b!)).toEqual([
      {
        type: 'conversation.tags_changed',
        actorType: 'user',
        actorId: agent.id,
        data: {
          from: ['VIP', 'refund'],
          to: ['VIP', 'billing'],
          added: ['billing'],
          removed: ['refund'],
        },
      },
    ]);
    // Removing alone.
    const removed = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [a, c], changes: { removeTags: ['BILLING'] } },
    });
    expect(removed.body).toMatchObject({ updated: 2, failed: 0 });
    const after = await stored([a!, c!]);
    expect(after[a!]?.tags).toEqual(['delivery', 'vip']);
    expect(after[c!]?.tags).toEqual(['vip']);
    expect((await tagEvents(c!)).map((e) => e.data)).toEqual([
      { from: [], to: ['vip', 'billing'], added: ['vip', 'billing'], removed: [] },
      { from: ['vip', 'billing'], to: ['vip'], added: [], removed: ['billing'] },
    ]);
  });

  it('writes nothing for a conversation whose tags would not change', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const [has, lacks] = await tagged(workspace.id, [['billing'], ['other']]);
    const before = await stored([has!, lacks!]);
    const outbox = async () =>
      (
        await t.services.db
          .selectFrom('outboxEvents')
          .select('aggregateId')
          .where('type', '=', 'conversation.updated')
          .where('aggregateId', 'in', [has!, lacks!])
          .execute()
      ).length;
    const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [has, lacks], changes: { addTags: ['Billing'], removeTags: ['gone'] } },
    });
    expect(res.body).toMatchObject({ updated: 2, failed: 0 });
    const after = await stored([has!, lacks!]);
    expect(after[has!]).toEqual(before[has!]);
    expect(after[lacks!]?.tags).toEqual(['other', 'Billing']);
    expect(await tagEvents(has!)).toEqual([]);
    expect(await tagEvents(lacks!)).toHaveLength(1);
    expect(await outbox()).toBe(1);
    // The same request again changes nothing anywhere.
    await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [has, lacks], changes: { addTags: ['Billing'], removeTags: ['gone'] } },
    });
    expect(await stored([has!, lacks!])).toEqual(after);
    expect(await outbox()).toBe(1);
  });

  it('refuses bad tag input as a whole, and a conversation that would pass 20 tags on its own', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const twenty = Array.from({ length: 20 }, (_, i) => `t${String(i)}`);
    const [full, empty] = await tagged(workspace.id, [twenty, []]);
    const bad: [Record<string, unknown>, string][] = [
      [{ addTags: Array.from({ length: 21 }, (_, i) => `n${String(i)}`) }, 'body.changes.addTags'],
      [{ addTags: ['x'.repeat(51)] }, 'body.changes.addTags.0'],
      [{ removeTags: [''] }, 'body.changes.removeTags.0'],
      [{ addTags: [] }, 'body.changes.addTags'],
      [{ addTags: ['   '] }, 'body.changes.addTags'],
      [{ addTags: ['a'], tags: ['b'] }, 'body.changes.tags'],
      [{ addTags: ['Billing'], removeTags: ['billing'] }, 'body.changes.removeTags'],
      [{ addTags: ['a'], unknown: 1 }, 'body.changes'],
    ];
    for (const [changes, path] of bad) {
      const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
        as,
        body: { ids: [full, empty], changes },
      });
      expect(res.statusCode, JSON.stringify(changes)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.error.details), JSON.stringify(changes)).toContain(path);
    }
    expect((await stored([empty!]))[empty!]?.tags).toEqual([]);
    const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [full, empty], changes: { addTags: ['one more'] } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      updated: 1,
      failed: 1,
      results: [
        { id: full, ok: false, error: { code: 'too_many_tags' } },
        { id: empty, ok: true },
      ],
    });
    const rows = await stored([full!, empty!]);
    expect(rows[full!]?.tags).toEqual(twenty);
    expect(rows[empty!]?.tags).toEqual(['one more']);
    // Swapping one for another at the limit is fine.
    const swap = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [full], changes: { addTags: ['one more'], removeTags: ['t0'] } },
    });
    expect(swap.body).toMatchObject({ updated: 1, failed: 0 });
  });

  it('is for agents and above, as every bulk change', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const [id] = await tagged(workspace.id, [['billing']]);
    const collaborator = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'collaborator',
    });
    const refused = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as: await tokenFor(t.services, collaborator),
      body: { ids: [id], changes: { removeTags: ['billing'] } },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await stored([id!]))[id!]?.tags).toEqual(['billing']);
  });

  it('still replaces the whole set with tags, and PATCH records what it added and removed', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const [id] = await tagged(workspace.id, [['a', 'b']]);
    const res = await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as,
      body: { ids: [id], changes: { tags: ['c'] } },
    });
    expect(res.body).toMatchObject({ updated: 1 });
    const patched = await api(t.app, 'PATCH', `/api/v1/conversations/${id!}`, {
      as,
      body: { tags: ['c', 'd'] },
    });
    expect(patched.body.tags).toEqual(['c', 'd']);
    expect((await tagEvents(id!)).map((e) => [e.actorId, e.data])).toEqual([
      [agent.id, { from: ['a', 'b'], to: ['c'], added: ['c'], removed: ['a', 'b'] }],
      [agent.id, { from: ['c'], to: ['c', 'd'], added: ['d'], removed: [] }],
    ]);
    const timeline = await api(t.app, 'GET', `/api/v1/conversations/${id!}/events`, { as });
    expect(timeline.body.data.at(-1)).toMatchObject({
      type: 'conversation.tags_changed',
      actor: { type: 'user', id: agent.id },
      data: { added: ['d'], removed: [] },
    });
  });
});
