import type { NotificationPage } from '@parley/contract';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import { api, useTestApp } from '../../test/harness.js';
import { connectRealtime, listening } from '../../test/realtime-client.js';
import { ingest } from '../conversations/ingest.js';
import { notify } from './notifications.service.js';

const t = useTestApp();
let base = '';
beforeAll(async () => {
  await t.services.outbox.start();
  base = await listening(t.app);
});

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const ola = await buildUser(t.services, { workspaceId: workspace.id, name: 'Ola Nowak' });
  const asOwner = await tokenFor(t.services, owner);
  const asOla = await tokenFor(t.services, ola);
  const thread = `<${Math.random().toString(36).slice(2)}@example.pl>`;
  const write = (text: string) =>
    ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'kasia@example.pl', name: 'Kasia' },
      subject: 'Reklamacja',
      text,
      threadKeys: [thread],
      ownThreadKeys: [thread],
    });
  const { conversationId } = await write('Dzień dobry, chcę złożyć reklamację.');
  return { workspace, owner, ola, asOwner, asOla, write, conversationId };
}

const list = async (as: { token: string }, query = '') =>
  (await api<NotificationPage>(t.app, 'GET', `/api/v1/notifications${query}`, { as })).body;

describe('notification centre', () => {
  it('tells an agent they were assigned and that the customer replied, live and in the list', async () => {
    const s = await setup();
    const socket = await connectRealtime(base, await sessionFor(t.services, s.ola));
    const assigned = await api(t.app, 'PATCH', `/api/v1/conversations/${s.conversationId}`, {
      as: s.asOwner,
      body: { assigneeId: s.ola.id },
    });
    expect(assigned.statusCode).toBe(200);
    await socket.next('event', (f) => f.event.type === 'notification.created');
    await s.write('Czy jest już jakaś odpowiedź?');
    await vi.waitFor(async () => expect((await list(s.asOla)).data).toHaveLength(2));
    const page = await list(s.asOla);
    expect(page.unreadCount, JSON.stringify(page.data)).toBe(2);
    // (Newest first is checked below with notifications made one after the other.)
    expect(page.data.map((n) => n.type).sort()).toEqual(['assigned', 'customer_replied']);
    expect(page.data.find((n) => n.type === 'assigned')).toMatchObject({
      conversation: { id: s.conversationId, displayNumber: expect.stringMatching(/^#\d+$/) },
      actor: { id: s.owner.id, name: 'Owner' },
      read: false,
    });
    // Assigning yourself is no news; the owner hears nothing of Ola's conversation.
    await api(t.app, 'PATCH', `/api/v1/conversations/${s.conversationId}`, {
      as: s.asOla,
      body: { assigneeId: s.ola.id, priority: 'high' },
    });
    expect((await list(s.asOwner)).data).toEqual([]);

    const read = await api(t.app, 'POST', '/api/v1/notifications/read', {
      as: s.asOla,
      body: { ids: [page.data.find((n) => n.type === 'customer_replied')!.id] },
    });
    expect(read.body).toEqual({ updated: 1 });
    expect((await list(s.asOla, '?unread=true')).data).toHaveLength(1);
    await api(t.app, 'POST', '/api/v1/notifications/read', { as: s.asOla, body: { all: true } });
    expect((await list(s.asOla)).unreadCount).toBe(0);
    await socket.close();
  });

  it('notifies colleagues mentioned in a note, and never from a reply', async () => {
    const s = await setup();
    const bo = await buildUser(t.services, { workspaceId: s.workspace.id, name: 'Bo Ek' });
    const asBo = await tokenFor(t.services, bo);
    const note = await api(t.app, 'POST', `/api/v1/conversations/${s.conversationId}/messages`, {
      as: s.asOla,
      body: { kind: 'note', text: '@Bo Ek czy możesz to sprawdzić?', mentions: [bo.id, s.ola.id] },
    });
    expect(note.statusCode, JSON.stringify(note.body)).toBe(201);
    await vi.waitFor(async () => expect((await list(asBo)).data).toHaveLength(1));
    expect((await list(asBo)).data[0]).toMatchObject({
      type: 'mentioned',
      actor: { id: s.ola.id, name: 'Ola Nowak' },
      conversation: { id: s.conversationId },
    });
    // Mentioning yourself is not news.
    expect((await list(s.asOla)).data.filter((n) => n.type === 'mentioned')).toEqual([]);
    const inReply = await api(t.app, 'POST', `/api/v1/conversations/${s.conversationId}/messages`, {
      as: s.asOla,
      body: { kind: 'reply', text: 'Hej', mentions: [bo.id] },
    });
    expect(inReply.statusCode).toBe(400);
    const stranger = await buildUser(t.services, {});
    const unknown = await api(t.app, 'POST', `/api/v1/conversations/${s.conversationId}/messages`, {
      as: s.asOla,
      body: { kind: 'note', text: 'Hej', mentions: [stranger.id] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.error.code).toBe('validation_failed');
  });

  it('writes one notification per person and cause, pages newest first, and refuses bad input', async () => {
    const s = await setup();
    const item = {
      workspaceId: s.workspace.id,
      userId: s.ola.id,
      type: 'mentioned' as const,
      conversationId: s.conversationId,
      source: 'test:1',
    };
    expect(await notify(t.services.db, [item])).toBe(1);
    expect(await notify(t.services.db, [item])).toBe(0);
    for (let i = 2; i <= 5; i++)
      await notify(t.services.db, [{ ...item, source: `test:${String(i)}` }]);
    const first = await list(s.asOla, '?limit=3');
    expect(first.data).toHaveLength(3);
    const second = await list(s.asOla, `?limit=3&cursor=${String(first.nextCursor)}`);
    expect(second.data).toHaveLength(2);
    // Newest first: test:5 … test:1, in the order they were made.
    const ordered = await t.services.db
      .selectFrom('notifications')
      .select(['id', 'source'])
      .where('userId', '=', s.ola.id)
      .where('source', 'like', 'test:%')
      .execute();
    const bySource = new Map(ordered.map((n) => [n.id, n.source]));
    expect([...first.data, ...second.data].map((n) => bySource.get(n.id))).toEqual([
      'test:5',
      'test:4',
      'test:3',
      'test:2',
      'test:1',
    ]);
    expect(new Set([...first.data, ...second.data].map((n: { id: string }) => n.id)).size).toBe(5);

    const bad = await api(t.app, 'POST', '/api/v1/notifications/read', {
      as: s.asOla,
      body: { all: false },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    // Someone else's ids change nothing.
    const other = await setup();
    const theirs = await api(t.app, 'POST', '/api/v1/notifications/read', {
      as: other.asOla,
      body: { ids: first.data.map((n: { id: string }) => n.id) },
    });
    expect(theirs.body).toEqual({ updated: 0 });
    expect((await list(s.asOla)).unreadCount).toBe(5);
  });
});
