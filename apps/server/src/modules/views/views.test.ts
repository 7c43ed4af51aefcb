import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from '../conversations/ingest.js';

const t = useTestApp();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  const other = await buildUser(t.services, { workspaceId: workspace.id });
  const manager = await buildUser(t.services, { workspaceId: workspace.id, role: 'manager' });
  const as = await tokenFor(t.services, agent);
  const open = async (i: number, priority: 'low' | 'normal' | 'high' | 'urgent') => {
    const { conversationId } = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: i % 2 ? 'email' : 'chat',
      from: { kind: 'email', value: `c${i}@example.com` },
      subject: `Ticket ${i}`,
      text: '客户服务',
      priority,
      receivedAt: new Date(Date.now() - (100 - i) * 60_000),
    });
    return conversationId;
  };
  return {
    workspace,
    owner,
    agent,
    other,
    as,
    asOther: await tokenFor(t.services, other),
    asManager: await tokenFor(t.services, manager),
    open,
  };
}

describe('saved views', () => {
  it('saves filters and a sort, lists its conversations paged, and counts them', async () => {
    const s = await setup();
    const ids = [];
    for (const [i, p] of (['low', 'urgent', 'normal', 'urgent', 'high'] as const).entries())
      ids.push(await s.open(i, p));
    // Mine and open: all but the first; the first is assigned to someone else.
    await api(t.app, 'POST', '/api/v1/conversations/bulk', {
      as: s.as,
      body: { ids: ids.slice(1), changes: { assigneeId: s.agent.id, status: 'open' } },
    });
    await api(t.app, 'PATCH', `/api/v1/conversations/${ids[0] ?? ''}`, {
      as: s.as,
      body: { assigneeId: s.other.id, status: 'open' },
    });
    const created = await api(t.app, 'POST', '/api/v1/views', {
      as: s.as,
      body: { name: 'Moje pilne', filters: { assignee: 'me', status: 'open' }, sort: '-priority' },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ visibility: 'private', sort: '-priority' });
    const viewId = created.body.id as string;

    const first = await api(t.app, 'GET', `/api/v1/views/${viewId}/conversations?limit=2`, {
      as: s.as,
    });
    // Most urgent first, the older of two urgent ones before the newer.
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual([ids[1], ids[3]]);
    const second = await api(
      t.app,
      'GET',
      `/api/v1/views/${viewId}/conversations?limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`,
      { as: s.as },
    );
    expect(second.body.data.map((c: { id: string }) => c.id)).toEqual([ids[4], ids[2]]);
    expect(second.body.nextCursor).toBeNull();

    const counts = await api(t.app, 'GET', '/api/v1/views/counts', { as: s.as });
    const byId = Object.fromEntries(
      counts.body.data.map((c: { id: string; count: number; approximate: boolean }) => [c.id, c]),
    );
    expect(byId[viewId]).toEqual({ id: viewId, count: 4, approximate: false });
    expect(byId.mine).toEqual({ id: 'mine', count: 4, approximate: false });
    expect(byId.open).toMatchObject({ count: 5 });
    expect(byId.unassigned).toMatchObject({ count: 0 });

    // The same view for another agent would show their own work: "me" is whoever looks.
    const renamed = await api(t.app, 'PATCH', `/api/v1/views/${viewId}`, {
      as: s.as,
      body: { name: 'Pilne', filters: { assignee: 'me', status: 'open', priority: 'urgent' } },
    });
    expect(renamed.body).toMatchObject({ name: 'Pilne', filters: { priority: 'urgent' } });
    const urgent = await api(t.app, 'GET', `/api/v1/views/${viewId}/conversations`, { as: s.as });
    expect(urgent.body.data).toHaveLength(2);
  });

  it('keeps private views private; sharing needs a manager; shared views resolve "me" per viewer', async () => {
    const s = await setup();
    const mine = await api(t.app, 'POST', '/api/v1/views', {
      as: s.as,
      body: { name: 'Privat', filters: { status: 'pending' } },
    });
    const peek = await api(t.app, 'GET', `/api/v1/views/${mine.body.id as string}`, {
      as: s.asOther,
    });
    expect(peek.statusCode).toBe(404);
    expect(peek.body.error.code).toBe('view_not_found');
    const deleteOthers = await api(t.app, 'DELETE', `/api/v1/views/${mine.body.id as string}`, {
      as: s.asOther,
    });
    expect(deleteOthers.statusCode).toBe(404);

    const share = await api(t.app, 'POST', '/api/v1/views', {
      as: s.as,
      body: { name: 'Alla', visibility: 'workspace', filters: {} },
    });
    expect(share.statusCode).toBe(403);
    const makePublic = await api(t.app, 'PATCH', `/api/v1/views/${mine.body.id as string}`, {
      as: s.as,
      body: { visibility: 'workspace' },
    });
    expect(makePublic.statusCode).toBe(403);

    const shared = await api(t.app, 'POST', '/api/v1/views', {
      as: s.asManager,
      body: { name: 'Mina öppna', visibility: 'workspace', filters: { assignee: 'me' } },
    });
    expect(shared.statusCode).toBe(201);
    const id = await s.open(1, 'high');
    await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as: s.as,
      body: { assigneeId: s.agent.id },
    });
    const seen = async (as: { token: string }) =>
      (await api(t.app, 'GET', `/api/v1/views/${shared.body.id as string}/conversations`, { as }))
        .body.data.length as number;
    expect(await seen(s.as)).toBe(1);
    expect(await seen(s.asOther)).toBe(0);
    const list = await api(t.app, 'GET', '/api/v1/views', { as: s.asOther });
    expect(list.body.data.map((v: { name: string }) => v.name)).toEqual(['Mina öppna']);
    const agentEdit = await api(t.app, 'PATCH', `/api/v1/views/${shared.body.id as string}`, {
      as: s.as,
      body: { name: 'Mine now' },
    });
    expect(agentEdit.statusCode).toBe(403);
  });

  it('refuses filters on unknown custom fields and gives approximate counts past the limit', async () => {
    const s = await setup();
    const bad = await api(t.app, 'POST', '/api/v1/views', {
      as: s.as,
      body: { name: 'X', filters: { fields: { colour: 'red' } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.code).toBe('unknown_custom_field');
    const badSort = await api(t.app, 'POST', '/api/v1/views', {
      as: s.as,
      body: { name: 'X', filters: {}, sort: 'random' },
    });
    expect(badSort.statusCode).toBe(400);

    // 1,100 conversations in one statement, then a view over all of them.
    await t.services.db.executeQuery(
      sql`
        insert into contacts (workspace_id, id, name) values (${s.workspace.id}, gen_random_uuid(), 'Bulk')
      `.compile(t.services.db),
    );
    const { id: contactId } = await t.services.db
      .selectFrom('contacts')
      .select('id')
      .where('workspaceId', '=', s.workspace.id)
      .where('name', '=', 'Bulk')
      .executeTakeFirstOrThrow();
    await t.services.db.executeQuery(
      sql`
        insert into conversations (workspace_id, id, number, channel, contact_id, status)
        select ${s.workspace.id}, gen_random_uuid(), 5000 + g, 'email', ${contactId}, 'pending'
          from generate_series(1, 1100) g
      `.compile(t.services.db),
    );
    await t.services.db.executeQuery(sql`analyze conversations`.compile(t.services.db));
    const counts = await api(t.app, 'GET', '/api/v1/views/counts', { as: s.as });
    const pending = counts.body.data.find((c: { id: string }) => c.id === 'pending');
    expect(pending.approximate).toBe(true);
    expect(pending.count).toBeGreaterThan(1000);
  });
});
