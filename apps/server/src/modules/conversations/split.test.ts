import { describe, expect, it } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function setup() {
  const { workspace } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id });
  const as = await tokenFor(t.services, agent);
  const from = { kind: 'email' as const, value: 'li.wei@example.cn', name: '李伟' };
  const base = { workspaceId: workspace.id, channel: 'email' as const, from };
  const hour = 3_600_000;
  const now = Date.now();
  const first = await ingest(t.services.db, {
    ...base,
    subject: '发票问题',
    text: '我的发票金额不对',
    ownThreadKeys: ['<zh1@x>'],
    receivedAt: new Date(now - 5 * hour),
  });
  const id = first.conversationId;
  await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
    as,
    body: { kind: 'reply', text: '我们会核对发票。' },
  });
  await ingest(t.services.db, {
    ...base,
    text: '另外,我想修改收货地址',
    threadKeys: ['<zh1@x>'],
    receivedAt: new Date(now - 2 * hour),
  });
  await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
    as,
    body: { kind: 'note', text: '地址问题交给物流组' },
  });
  const messages = (
    await api<{ data: { id: string; seq: number; text: string }[] }>(
      t.app,
      'GET',
      `/api/v1/conversations/${id}/messages`,
      { as },
    )
  ).body.data;
  return { workspace, agent, as, id, messages };
}

describe('splitting a conversation', () => {
  it('moves a message and the later ones into a new linked conversation, recounting both', async () => {
    const { as, id, messages } = await setup();
    // 1 inbound, 2 reply, 3 inbound (the new topic), 4 note, maybe 5 acknowledgement later.
    const topic = messages.find((m) => m.text.includes('收货地址'));
    expect(topic?.seq).toBe(3);
    const res = await api(t.app, 'POST', `/api/v1/conversations/${id}/split`, {
      as,
      body: { messageId: topic?.id, withFollowing: true, subject: '修改收货地址' },
    });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    const created = res.body as {
      id: string;
      number: number;
      subject: string;
      messageCount: number;
    };
    expect(created).toMatchObject({
      subject: '修改收货地址',
      status: 'open',
      messageCount: 2,
      channel: 'email',
      contact: { name: '李伟', email: 'li.wei@example.cn' },
      preview: '另外,我想修改收货地址',
    });
    const moved = await api(t.app, 'GET', `/api/v1/conversations/${created.id}/messages`, { as });
    expect(moved.body.data.map((m: { seq: number; text: string }) => [m.seq, m.text])).toEqual([
      [1, '另外,我想修改收货地址'],
      [2, '地址问题交给物流组'],
    ]);
    const source = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(source.body).toMatchObject({ messageCount: 2, preview: '我们会核对发票。' });
    const left = await api(t.app, 'GET', `/api/v1/conversations/${id}/messages`, { as });
    expect(left.body.data.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);

    const links = await api(t.app, 'GET', `/api/v1/conversations/${id}/links`, { as });
    expect(links.body.data).toEqual([
      expect.objectContaining({
        kind: 'related',
        conversationId: created.id,
        number: created.number,
      }),
    ]);
    const events = await api(t.app, 'GET', `/api/v1/conversations/${id}/events`, { as });
    expect(events.body.data.at(-1)).toMatchObject({
      type: 'conversation.split',
      data: { into: created.id, intoNumber: created.number, messages: 2 },
    });
    const newEvents = await api(t.app, 'GET', `/api/v1/conversations/${created.id}/events`, { as });
    expect(newEvents.body.data[0]).toMatchObject({
      type: 'conversation.created',
      data: { splitFrom: id, messages: 2 },
    });
    // A new message on the new conversation continues its numbering.
    const reply = await api(t.app, 'POST', `/api/v1/conversations/${created.id}/messages`, {
      as,
      body: { kind: 'reply', text: '地址已更新' },
    });
    expect(reply.body.seq).toBe(3);
  });

  it('moves only the chosen message by default; refuses emptying the source, strangers’ messages and collaborators', async () => {
    const { workspace, as, id, messages } = await setup();
    const [first, second] = messages;
    const single = await api(t.app, 'POST', `/api/v1/conversations/${id}/split`, {
      as,
      body: { messageId: first?.id },
    });
    expect(single.statusCode).toBe(201);
    expect(single.body).toMatchObject({ messageCount: 1, subject: '发票问题' });
    const source = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(source.body.messageCount).toBe(messages.length - 1);

    const other = await setup();
    const foreign = await api(t.app, 'POST', `/api/v1/conversations/${id}/split`, {
      as,
      body: { messageId: other.messages[0]?.id },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body.error.code).toBe('message_not_found');

    const all = await api(t.app, 'POST', `/api/v1/conversations/${id}/split`, {
      as,
      body: { messageId: second?.id, withFollowing: true },
    });
    expect(all.statusCode).toBe(409);
    const after = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(after.body.messageCount).toBe(messages.length - 1);

    const collaborator = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'collaborator',
    });
    const denied = await api(t.app, 'POST', `/api/v1/conversations/${id}/split`, {
      as: await tokenFor(t.services, collaborator),
      body: { messageId: second?.id },
    });
    expect(denied.statusCode).toBe(403);
  });

  it('takes the moved mail’s Message-ID along: replies to it thread to the new conversation', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const agent = await buildUser(t.services, { workspaceId: workspace.id });
    const as = await tokenFor(t.services, agent);
    const base = {
      workspaceId: workspace.id,
      channel: 'email' as const,
      from: { kind: 'email' as const, value: 'erik@example.se' },
    };
    const first = await ingest(t.services.db, {
      ...base,
      subject: 'Fakturan',
      text: 'Fakturan saknas.',
      ownThreadKeys: ['sv1@example.se'],
      metadata: { messageId: 'sv1@example.se' },
    });
    const second = await ingest(t.services.db, {
      ...base,
      text: 'Och en sak till: jag har flyttat.',
      threadKeys: ['sv1@example.se'],
      ownThreadKeys: ['sv2@example.se'],
      metadata: { messageId: 'sv2@example.se' },
    });
    expect(second.conversationId).toBe(first.conversationId);
    const res = await api(t.app, 'POST', `/api/v1/conversations/${first.conversationId}/split`, {
      as,
      body: { messageId: second.messageId, subject: 'Ny adress' },
    });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    const splitId = (res.body as { id: string }).id;
    const reply = (inReplyTo: string, text: string) =>
      ingest(t.services.db, { ...base, text, threadKeys: [inReplyTo] });
    expect((await reply('sv2@example.se', 'Adressen är Storgatan 1.')).conversationId).toBe(
      splitId,
    );
    expect((await reply('sv1@example.se', 'Har ni hittat fakturan?')).conversationId).toBe(
      first.conversationId,
    );
  });
});
