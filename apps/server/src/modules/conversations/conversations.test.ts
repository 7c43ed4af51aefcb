import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { articleParagraphs } from '../demo/demo.conversations.js';
import { ingest } from './ingest.js';

const t = useTestApp();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id, role: 'agent' });
  return { workspace, owner, agent, as: await tokenFor(t.services, agent) };
}

describe('ingest', () => {
  it('stores contact, conversation, message and outbox events together, numbered from 1001', async () => {
    const { workspace } = await setup();
    const [pl] = await articleParagraphs('pl');
    const first = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'Kasia@Example.PL', name: 'Kasia' },
      subject: 'Obsługa klienta',
      text: pl,
      externalId: '<m1@example.pl>',
    });
    const second = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+48 601 234 567' },
      text: 'Dzień dobry',
    });
    expect(first).toMatchObject({ number: 1001, conversationCreated: true, duplicate: false });
    expect(second.number).toBe(1002);
    const contact = await t.services.db
      .selectFrom('contactIdentities')
      .selectAll()
      .where('workspaceId', '=', workspace.id)
      .orderBy('kind')
      .execute();
    expect(contact.map((c) => [c.kind, c.value])).toEqual([
      ['email', 'kasia@example.pl'],
      ['phone', '+48601234567'],
    ]);
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select(['type', 'aggregateId'])
      .where('workspaceId', '=', workspace.id)
      .where('aggregateId', '=', first.conversationId)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['conversation.created', 'message.created']);
  });

  it('stores the same external message once, even when delivered twice at the same moment', async () => {
    const { workspace } = await setup();
    const message = {
      workspaceId: workspace.id,
      channel: 'email' as const,
      from: { kind: 'email' as const, value: 'twice@example.se' },
      subject: 'Hej',
      text: 'Kundlojalitet är en doktrin i sig',
      externalId: '<same@example.se>',
    };
    const results = await Promise.all([
      ingest(t.services.db, message),
      ingest(t.services.db, message),
      ingest(t.services.db, message),
    ]);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const again = await ingest(t.services.db, message);
    expect(again.duplicate).toBe(true);
    const count = await t.services.db
      .selectFrom('messages')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(count).toHaveLength(1);
    const contacts = await t.services.db
      .selectFrom('contacts')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(contacts).toHaveLength(1);
  });

  it('threads by the channel’s keys, then by a ticket number the same customer quotes', async () => {
    const { workspace } = await setup();
    const from = { kind: 'email' as const, value: 'wang@example.cn' };
    const opened = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from,
      subject: '客户服务',
      text: '你好',
      ownThreadKeys: ['<a@example.cn>'],
    });
    const byKey = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from,
      text: '还有一个问题',
      threadKeys: ['<unknown@x>', '<a@example.cn>'],
    });
    expect(byKey).toMatchObject({
      conversationId: opened.conversationId,
      conversationCreated: false,
    });
    const byNumber = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from,
      text: 'Re',
      ticketNumber: opened.number,
    });
    expect(byNumber.conversationId).toBe(opened.conversationId);
    const stranger = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'stranger@example.com' },
      text: 'Let me in',
      ticketNumber: opened.number,
    });
    expect(stranger.conversationCreated).toBe(true);
    const seqs = await t.services.db
      .selectFrom('messages')
      .select('seq')
      .where('conversationId', '=', opened.conversationId)
      .orderBy('seq')
      .execute();
    expect(seqs.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  it('appends to the conversation a channel names, in one step, when that conversation may take it', async () => {
    const { workspace } = await setup();
    const chat = (value: string, text: string, more: object = {}) =>
      ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'chat',
        from: { kind: 'chat', value },
        text,
        ...more,
      });
    const mine = await chat('visitor-aaaaaaaaaaaaaaaa', '你好，我的订单在哪里？', {
      externalId: 'a:1',
    });
    const theirs = await chat('visitor-bbbbbbbbbbbbbbbb', 'Hej, var är mitt paket?', {
      externalId: 'b:1',
    });
    // Named and still going: appended, with its sequence number and its event.
    const next = await chat('visitor-aaaaaaaaaaaaaaaa', '订单号 1234', {
      conversationId: mine.conversationId,
      externalId: 'a:2',
    });
    expect(next).toMatchObject({
      conversationId: mine.conversationId,
      number: mine.number,
      seq: 2,
      conversationCreated: false,
      duplicate: false,
    });
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select(['type', 'data', 'broadcast'])
      .where('workspaceId', '=', workspace.id)
      .where('aggregateId', '=', mine.conversationId)
      .orderBy('id')
      .execute();
    expect(events.at(-1)).toMatchObject({
      type: 'message.created',
      broadcast: true,
      data: { messageId: next.messageId, seq: 2, kind: 'inbound', automated: false },
    });
    // The same message again: reported as the duplicate, nothing written.
    const again = await chat('visitor-aaaaaaaaaaaaaaaa', '订单号 1234', {
      conversationId: mine.conversationId,
      externalId: 'a:2',
    });
    expect(again).toMatchObject({ duplicate: true, messageId: next.messageId, seq: null });
    // Somebody else's conversation is never written to: the sender's own threading decides.
    const intruder = await chat('visitor-aaaaaaaaaaaaaaaa', 'Let me in', {
      conversationId: theirs.conversationId,
      externalId: 'a:3',
    });
    expect(intruder.conversationId).not.toBe(theirs.conversationId);
    // Resolved: the full path reopens it (within the window) as for any reply.
    await t.services.db
      .updateTable('conversations')
      .set({ status: 'resolved', resolvedAt: new Date() })
      .where('id', '=', mine.conversationId)
      .execute();
    const reopened = await chat('visitor-aaaaaaaaaaaaaaaa', '还有一个问题', {
      conversationId: mine.conversationId,
      ticketNumber: mine.number,
      externalId: 'a:4',
    });
    expect(reopened).toMatchObject({ conversationId: mine.conversationId, reopened: true });
    const messages = await t.services.db
      .selectFrom('messages')
      .select(['conversationId', 'seq', 'text'])
      .where('workspaceId', '=', workspace.id)
      .where('conversationId', 'in', [mine.conversationId, theirs.conversationId])
      .orderBy('conversationId')
      .orderBy('seq')
      .execute();
    expect(messages.filter((m) => m.conversationId === theirs.conversationId)).toHaveLength(1);
    expect(
      messages.filter((m) => m.conversationId === mine.conversationId).map((m) => m.seq),
    ).toEqual([1, 2, 3]);
  });

  it('commits a chat message without waiting for the disk when asked, and says so; the setting stays with it', async () => {
    const { workspace } = await setup();
    const chat = (text: string, more: object = {}) =>
      ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'chat',
        from: { kind: 'chat', value: 'visitor-cccccccccccccccc' },
        text,
        ...more,
      });
    const first = await chat('Dzień dobry, gdzie jest moja paczka?', { externalId: 'c:1' });
    // A new conversation takes the full path: durable on return, whatever was asked.
    expect(first.durable).toBeUndefined();
    const next = await chat('Numer zamówienia 1234', {
      conversationId: first.conversationId,
      externalId: 'c:2',
      visibleBeforeDurable: true,
    });
    expect(next).toMatchObject({ seq: 2, durable: false });
    const plain = await chat('Dziękuję', {
      conversationId: first.conversationId,
      externalId: 'c:3',
    });
    expect(plain).toMatchObject({ seq: 3 });
    expect(plain.durable).toBeUndefined();
    // The pool's connections are back to committing with the flush.
    const settings = await Promise.all(
      Array.from({ length: 4 }, () =>
        sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(
          t.services.db,
        ),
      ),
    );
    expect(settings.map((r) => r.rows[0]?.value)).toEqual(['on', 'on', 'on', 'on']);
  });

  it('reopens a resolved conversation on a reply; a closed one gets a linked follow-up', async () => {
    const { workspace } = await setup();
    const from = { kind: 'email' as const, value: 'sara@example.ir' };
    const base = { workspaceId: workspace.id, channel: 'email' as const, from };
    const opened = await ingest(t.services.db, {
      ...base,
      subject: 'پشتیبانی',
      text: 'سلام',
      ownThreadKeys: ['<fa1@x>'],
    });
    await t.services.db
      .updateTable('conversations')
      .set({ status: 'resolved', resolvedAt: new Date() })
      .where('id', '=', opened.conversationId)
      .execute();
    const reply = await ingest(t.services.db, {
      ...base,
      text: 'هنوز مشکل دارم',
      threadKeys: ['<fa1@x>'],
    });
    expect(reply).toMatchObject({ conversationId: opened.conversationId, reopened: true });
    const reopened = await t.services.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', opened.conversationId)
      .executeTakeFirstOrThrow();
    expect(reopened).toMatchObject({ status: 'open', reopenedCount: 1, resolvedAt: null });

    await t.services.db
      .updateTable('conversations')
      .set({ status: 'closed', closedAt: new Date() })
      .where('id', '=', opened.conversationId)
      .execute();
    const later = await ingest(t.services.db, {
      ...base,
      text: 'یک سوال جدید',
      threadKeys: ['<fa1@x>'],
    });
    expect(later.conversationCreated).toBe(true);
    const followUp = await t.services.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', later.conversationId)
      .executeTakeFirstOrThrow();
    expect(followUp.followUpOfId).toBe(opened.conversationId);
    expect(followUp.subject).toBe('Re: پشتیبانی');
  });

  it('reopens only within the workspace’s reopen window', async () => {
    const { workspace, owner } = await setup();
    const admin = await tokenFor(t.services, owner);
    const from = { kind: 'email' as const, value: 'olof@example.se' };
    const base = { workspaceId: workspace.id, channel: 'email' as const, from };
    const opened = await ingest(t.services.db, {
      ...base,
      subject: 'Leverans',
      text: 'Var är mitt paket?',
      ownThreadKeys: ['<sv1@x>'],
    });
    const resolve = (daysAgo: number) =>
      t.services.db
        .updateTable('conversations')
        .set({ status: 'resolved', resolvedAt: new Date(Date.now() - daysAgo * 86_400_000) })
        .where('id', '=', opened.conversationId)
        .execute();
    const setWindow = async (days: number) => {
      const res = await api(t.app, 'PATCH', '/api/v1/workspace', {
        as: admin,
        body: { reopenWindowDays: days },
      });
      expect(res.body).toMatchObject({ reopenWindowDays: days });
    };
    await setWindow(30);
    await resolve(20);
    const within = await ingest(t.services.db, {
      ...base,
      text: 'Tack, men…',
      threadKeys: ['<sv1@x>'],
    });
    expect(within).toMatchObject({ conversationId: opened.conversationId, reopened: true });

    await setWindow(0);
    await resolve(0.01);
    const outside = await ingest(t.services.db, { ...base, text: 'Igen', threadKeys: ['<sv1@x>'] });
    expect(outside).toMatchObject({ conversationCreated: true, reopened: false });
    expect(outside.conversationId).not.toBe(opened.conversationId);

    const bad = await api(t.app, 'PATCH', '/api/v1/workspace', {
      as: admin,
      body: { reopenWindowDays: 400 },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('shows the contact’s current name on every conversation after a rename', async () => {
    const { workspace, as } = await setup();
    const from = { kind: 'email' as const, value: 'anna@example.pl', name: 'Anna' };
    const first = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from,
      text: 'a',
    });
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+48 601 234 999' },
      text: 'b',
    });
    const contactId = (
      await api(t.app, 'GET', `/api/v1/conversations/${first.conversationId}`, { as })
    ).body.contact.id as string;
    const renamed = await api(t.app, 'PATCH', `/api/v1/contacts/${contactId}`, {
      as,
      body: { name: 'Anna Kowalska' },
    });
    expect(renamed.statusCode).toBe(200);
    const list = await api(t.app, 'GET', `/api/v1/conversations?contactId=${contactId}`, { as });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].contact).toEqual({
      id: contactId,
      name: 'Anna Kowalska',
      email: 'anna@example.pl',
      phone: null,
    });
  });

  it('a new customer writing several times at once ends with one contact and every conversation', async () => {
    const { workspace, as } = await setup();
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(t.app, 'POST', '/api/v1/conversations', {
          as,
          body: {
            contact: { email: 'Samtidig@Example.SE', name: 'Samtidig' },
            subject: `Ärende ${String(i)}`,
            text: 'Hej!',
          },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    const contacts = await t.services.db
      .selectFrom('contacts')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(contacts).toHaveLength(1);
    const conversations = await t.services.db
      .selectFrom('conversations')
      .select(['contactId', 'contactEmail', 'contactName'])
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(conversations).toHaveLength(8);
    expect(new Set(conversations.map((c) => JSON.stringify(c)))).toEqual(
      new Set([
        JSON.stringify({
          contactId: contacts[0]?.id,
          contactEmail: 'samtidig@example.se',
          contactName: 'Samtidig',
        }),
      ]),
    );
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select('type')
      .where('workspaceId', '=', workspace.id)
      .where('type', 'in', ['conversation.created', 'message.created'])
      .execute();
    expect(events).toHaveLength(16);
  });

  it('sanitizes HTML: scripts, handlers and remote images never survive', async () => {
    const { workspace } = await setup();
    const result = await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: 'evil@example.com' },
      subject: '<img src=x onerror=alert(1)>',
      html: '<p onclick="steal()">Hi<script>alert(1)</script><img src="https://tracker.example/p.gif"><a href="javascript:alert(1)">x</a><iframe src="//evil"></iframe></p>',
    });
    const message = await t.services.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', result.messageId)
      .executeTakeFirstOrThrow();
    expect(message.html).not.toMatch(/script|onclick|onerror|javascript:|iframe|tracker\.example/);
    expect(message.html).toContain('Hi');
    expect(message.text).toContain('Hi');
  });

  it('rejects an identity that cannot be one', async () => {
    const { workspace } = await setup();
    await expect(
      ingest(t.services.db, {
        workspaceId: workspace.id,
        channel: 'sms',
        from: { kind: 'phone', value: '12' },
        text: 'x',
      }),
    ).rejects.toThrow(/not a valid phone number/);
  });
});

describe('conversations API', () => {
  it('creates on a customer’s behalf, lists, filters and reads', async () => {
    const { as, agent } = await setup();
    const created = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: {
        contact: { email: 'jane@example.com', name: 'Jane' },
        subject: 'Order',
        text: 'Where is it?',
        priority: 'high',
        tags: ['order'],
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body.conversation).toMatchObject({
      displayNumber: '#1001',
      priority: 'high',
      tags: ['order'],
      channel: 'api',
      status: 'new',
    });
    expect(created.body.message).toMatchObject({ seq: 1, kind: 'inbound', text: 'Where is it?' });
    const id = created.body.conversation.id as string;

    const mine = await api(t.app, 'GET', '/api/v1/conversations?assignee=me', { as });
    expect(mine.body.data).toHaveLength(0);
    const assigned = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as,
      body: { assigneeId: agent.id, status: 'open' },
    });
    expect(assigned.body).toMatchObject({ assigneeId: agent.id, status: 'open' });
    expect(
      (await api(t.app, 'GET', '/api/v1/conversations?assignee=me', { as })).body.data,
    ).toHaveLength(1);
    expect(
      (await api(t.app, 'GET', '/api/v1/conversations?assignee=unassigned', { as })).body.data,
    ).toHaveLength(0);
    expect(
      (await api(t.app, 'GET', '/api/v1/conversations?status=open', { as })).body.data,
    ).toHaveLength(1);
    const timeline = await t.services.db
      .selectFrom('conversationEvents')
      .select(['type', 'actorId'])
      .where('conversationId', '=', id)
      .orderBy('id')
      .execute();
    expect(timeline.map((e) => e.type)).toEqual([
      'conversation.created',
      'conversation.assigned',
      'conversation.status_changed',
    ]);
  });

  it('a reply records the first response and is queued for delivery; a note is not', async () => {
    const { as } = await setup();
    const created = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: { contact: { phone: '+46 70 123 45 67' }, subject: 'Hej', text: 'Hjälp' },
    });
    const id = created.body.conversation.id as string;
    const note = await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
      as,
      body: { kind: 'note', text: 'Intern anteckning' },
    });
    expect(note.body).toMatchObject({ kind: 'note', seq: 2, deliveryStatus: null });
    const reply = await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
      as,
      body: { kind: 'reply', text: 'Vi hjälper dig!', status: 'pending' },
    });
    expect(reply.body).toMatchObject({ kind: 'outbound', seq: 3, deliveryStatus: 'queued' });
    const conversation = await api(t.app, 'GET', `/api/v1/conversations/${id}`, { as });
    expect(conversation.body.status).toBe('pending');
    expect(conversation.body.firstResponseAt).not.toBeNull();
    expect(conversation.body.preview).toBe('Vi hjälper dig!');
    const page = await api(t.app, 'GET', `/api/v1/conversations/${id}/messages?limit=2`, { as });
    expect(page.body.data.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    const rest = await api(t.app, 'GET', `/api/v1/conversations/${id}/messages?afterSeq=2`, { as });
    expect(rest.body.data.map((m: { seq: number }) => m.seq)).toEqual([3]);
  });

  it('collaborators write notes but not replies, and change nothing', async () => {
    const { as, workspace } = await setup();
    const collaborator = await buildUser(t.services, {
      workspaceId: workspace.id,
      role: 'collaborator',
    });
    const asCollaborator = await tokenFor(t.services, collaborator);
    const created = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: { contact: { email: 'c@example.com' }, subject: 'S', text: 'T' },
    });
    const id = created.body.conversation.id as string;
    expect(
      (
        await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
          as: asCollaborator,
          body: { kind: 'reply', text: 'x' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
          as: asCollaborator,
          body: { kind: 'note', text: 'ok' },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
          as: asCollaborator,
          body: { status: 'closed' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await api(t.app, 'POST', '/api/v1/conversations', {
          as: asCollaborator,
          body: { contact: { email: 'd@example.com' }, subject: 'S', text: 'T' },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('rejects bad input with stable codes and writes nothing', async () => {
    const { as, workspace } = await setup();
    const cases: [unknown, string][] = [
      [{ contact: { phone: '12' }, subject: 'S', text: 'T' }, 'validation_failed'],
      [{ contact: {}, subject: 'S', text: 'T' }, 'validation_failed'],
      [
        { contact: { email: 'a@example.com' }, subject: 'x'.repeat(501), text: 'T' },
        'validation_failed',
      ],
      [
        { contact: { email: 'a@example.com' }, subject: 'S', text: 'T', priority: 'asap' },
        'validation_failed',
      ],
      // Over the documented limits: 100,000 characters of text, 200,000 of HTML.
      [
        { contact: { email: 'a@example.com' }, subject: 'S', text: 'ż'.repeat(100_001) },
        'validation_failed',
      ],
      [
        {
          contact: { email: 'a@example.com' },
          subject: 'S',
          text: 'T',
          html: `<p>${'x'.repeat(200_000)}</p>`,
        },
        'validation_failed',
      ],
      // Text PostgreSQL cannot store, anywhere in the body.
      [
        { contact: { email: 'a@example.com', name: 'Kasia\u0000' }, subject: 'S', text: 'T' },
        'validation_failed',
      ],
      [{ contact: { email: 'a@example.com' }, subject: 'S\u0000', text: 'T' }, 'validation_failed'],
    ];
    for (const [body, code] of cases) {
      const res = await api(t.app, 'POST', '/api/v1/conversations', { as, body });
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe(code);
    }
    const none = await t.services.db
      .selectFrom('conversations')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(none).toHaveLength(0);
    const created = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: { contact: { email: 'a@example.com' }, subject: 'S', text: 'T' },
    });
    const id = created.body.conversation.id as string;
    const badAssignee = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as,
      body: { assigneeId: '01a20000-0000-7000-8000-000000000000' },
    });
    expect(badAssignee.statusCode).toBe(404);
    expect(badAssignee.body.error.code).toBe('user_not_found');
    const badStatus = await api(t.app, 'PATCH', `/api/v1/conversations/${id}`, {
      as,
      body: { status: 'done' },
    });
    expect(badStatus.statusCode).toBe(400);
    const nulReply = await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
      as,
      body: { kind: 'reply', text: 'Hej\u0000då' },
    });
    expect(nulReply.statusCode).toBe(400);
    expect(nulReply.body.error).toMatchObject({ code: 'validation_failed' });
    expect(nulReply.body.error.message).toContain('NUL');
  });
});
