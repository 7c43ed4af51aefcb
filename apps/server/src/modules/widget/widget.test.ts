import { RealtimeClose, type VisitorServerFrame } from '@parley/contract';
import { WebSocket } from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import { api, useTestApp } from '../../test/harness.js';
import { connectRealtime, listening } from '../../test/realtime-client.js';
import { userHash } from './visitors.js';

const t = useTestApp();
let base = '';
beforeAll(async () => {
  await t.services.outbox.start();
  base = await listening(t.app);
});

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const agent = await buildUser(t.services, { workspaceId: workspace.id, name: 'Ola Nowak' });
  const asOwner = await tokenFor(t.services, owner);
  const asAgent = await tokenFor(t.services, agent);
  const settings = await api(t.app, 'GET', '/api/v1/widget-settings', { as: asOwner });
  expect(settings.statusCode).toBe(200);
  const key = settings.body.publicKey as string;
  const visitor = async (body: Record<string, string> = {}) => {
    const res = await api(t.app, 'POST', `/api/v1/widget/${key}/visitors`, { body });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body.visitorToken as string;
  };
  const send = (token: string, body: Record<string, unknown>) =>
    api(t.app, 'POST', '/api/v1/widget/messages', {
      headers: { authorization: `Bearer ${token}` },
      body,
    });
  const conversations = async (token: string) =>
    (
      await api(t.app, 'GET', '/api/v1/widget/conversations', {
        headers: { authorization: `Bearer ${token}` },
      })
    ).body.data as { id: string; displayNumber: string; messages: { text: string }[] }[];
  return { workspace, owner, agent, asOwner, asAgent, key, visitor, send, conversations };
}

const id = () => Math.random().toString(36).slice(2, 14);

/** A visitor's widget socket, authenticated. */
async function widgetSocket(token: string) {
  const socket = new WebSocket(`${base}/api/v1/widget/realtime`, {
    headers: { origin: 'https://shop.example.pl' },
  });
  const frames: VisitorServerFrame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (raw: Buffer) => {
    frames.push(JSON.parse(raw.toString('utf8')) as VisitorServerFrame);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<number>((resolve) =>
    socket.on('close', (code: number) => resolve(code)),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = <T extends VisitorServerFrame['type']>(
    type: T,
    match: (f: Extract<VisitorServerFrame, { type: T }>) => boolean = () => true,
  ) =>
    new Promise<Extract<VisitorServerFrame, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame`)), 5000);
      const check = () => {
        const found = frames.find((f) => f.type === type && match(f as never));
        if (found) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found as never);
        }
      };
      waiters.add(check);
      check();
    });
  const send = (frame: unknown) => socket.send(JSON.stringify(frame));
  if (token) {
    send({ type: 'auth', token });
    await next('ready');
  }
  return { socket, frames, next, send, closed };
}

describe('chat widget: settings and the public side', () => {
  it('has settings for admins, checks them, and answers for an enabled key alone', async () => {
    const s = await setup();
    expect(s.key).toMatch(/^pk_/);
    const agentTries = await api(t.app, 'PATCH', '/api/v1/widget-settings', {
      as: s.asAgent,
      body: { title: 'Hej' },
    });
    expect(agentTries.statusCode).toBe(403);
    const bad = await api(t.app, 'PATCH', '/api/v1/widget-settings', {
      as: s.asOwner,
      body: { prechat: { enabled: true, fields: ['name'], required: ['email'] } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const ok = await api(t.app, 'PATCH', '/api/v1/widget-settings', {
      as: s.asOwner,
      body: {
        title: 'Obsługa klienta',
        greeting: { pl: 'Cześć! W czym możemy pomóc?', en: 'Hi! How can we help?' },
        prechat: { enabled: true, fields: ['name', 'email'], required: ['name'] },
      },
    });
    expect(ok.statusCode, JSON.stringify(ok.body)).toBe(200);

    const config = await api(t.app, 'GET', `/api/v1/widget/${s.key}/config`);
    expect(config.statusCode).toBe(200);
    expect(config.headers['access-control-allow-origin']).toBe('*');
    expect(config.body).toMatchObject({
      title: 'Obsługa klienta',
      greeting: { pl: 'Cześć! W czym możemy pomóc?' },
      prechat: { enabled: true, fields: ['name', 'email'], required: ['name'] },
      online: false,
    });
    // An agent comes online: the widget offers chat instead of the offline form.
    await api(t.app, 'PUT', '/api/v1/me/presence', { as: s.asAgent, body: { presence: 'online' } });
    expect((await api(t.app, 'GET', `/api/v1/widget/${s.key}/config`)).body.online).toBe(true);

    const preflight = await api(t.app, 'OPTIONS' as 'GET', '/api/v1/widget/messages', {
      headers: {
        origin: 'https://shop.example.pl',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');

    await api(t.app, 'PATCH', '/api/v1/widget-settings', {
      as: s.asOwner,
      body: { enabled: false },
    });
    const off = await api(t.app, 'GET', `/api/v1/widget/${s.key}/config`);
    expect(off.statusCode).toBe(404);
    expect(off.body.error.code).toBe('widget_not_found');
    expect((await api(t.app, 'GET', '/api/v1/widget/pk_doesnotexist123/config')).statusCode).toBe(
      404,
    );
  });

  it('stores a message once per client id and keeps each visitor to their own conversations', async () => {
    const s = await setup();
    const anna = await s.visitor();
    const clientMessageId = id();
    const first = await s.send(anna, {
      clientMessageId,
      text: 'Dzień dobry, gdzie jest moja paczka?',
      prechat: { name: 'Anna Kowalska', email: 'anna@example.pl' },
      locale: 'pl',
    });
    expect(first.statusCode, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      displayNumber: expect.stringMatching(/^#\d+$/),
      message: { seq: 1, from: 'visitor', text: 'Dzień dobry, gdzie jest moja paczka?' },
      duplicate: false,
    });
    const again = await s.send(anna, {
      clientMessageId,
      text: 'Dzień dobry, gdzie jest moja paczka?',
    });
    expect(again.body).toMatchObject({ duplicate: true, message: { id: first.body.message.id } });
    const conversation = first.body.conversationId as string;
    const stored = await t.services.db
      .selectFrom('messages')
      .select('id')
      .where('conversationId', '=', conversation)
      .execute();
    expect(stored).toHaveLength(1);
    // The agent sees a chat conversation with the pre-chat name; the email is only noted.
    const contact = await t.services.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as p', 'p.id', 'c.contactId')
      .select(['c.channel', 'p.name', 'p.attributes'])
      .where('c.id', '=', conversation)
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({
      channel: 'chat',
      name: 'Anna Kowalska',
      attributes: { unverifiedEmail: 'anna@example.pl' },
    });

    // Someone else typing Anna's email sees nothing of hers and cannot write into it.
    const mallory = await s.visitor();
    await s.send(mallory, {
      clientMessageId: id(),
      text: 'Cześć',
      prechat: { name: 'Anna?', email: 'anna@example.pl' },
    });
    const theirs = await s.conversations(mallory);
    expect(theirs.map((c) => c.id)).not.toContain(conversation);
    const intrude = await s.send(mallory, {
      clientMessageId: id(),
      conversationId: conversation,
      text: 'x',
    });
    expect(intrude.statusCode).toBe(404);
    expect(intrude.body.error.code).toBe('conversation_not_found');
    const forged = await api(t.app, 'GET', '/api/v1/widget/conversations', {
      headers: { authorization: `Bearer ${anna.slice(0, -2)}xx` },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.body.error.code).toBe('visitor_token_invalid');
  });

  it('lets a signed-in customer’s history follow them, given a valid signature', async () => {
    const s = await setup();
    const secret = (
      await api(t.app, 'POST', '/api/v1/widget-settings/identity-secret', { as: s.asOwner })
    ).body.secret as string;
    const laptop = await s.visitor({ userId: 'cust-42', userHash: userHash(secret, 'cust-42') });
    const sent = await s.send(laptop, { clientMessageId: id(), text: '我的订单还没有到。' });
    expect(sent.statusCode, JSON.stringify(sent.body)).toBe(201);
    const phone = await s.visitor({ userId: 'cust-42', userHash: userHash(secret, 'cust-42') });
    expect((await s.conversations(phone)).map((c) => c.messages[0]?.text)).toEqual([
      '我的订单还没有到。',
    ]);
    const wrong = await api(t.app, 'POST', `/api/v1/widget/${s.key}/visitors`, {
      body: { userId: 'cust-42', userHash: userHash('guess', 'cust-42') },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body.error.code).toBe('user_hash_invalid');
  });

  it('takes files of the allowed types and sizes, for the visitor who uploaded them', async () => {
    const s = await setup();
    const anna = await s.visitor();
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    const upload = (token: string, body: Buffer, type: string, name = 'zdjęcie paczki.png') =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/widget/attachments?name=${encodeURIComponent(name)}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        payload: body,
      });
    const uploaded = await upload(anna, png, 'image/png');
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const file = uploaded.json<{ upload: string; filename: string; size: number }>();
    expect(file).toMatchObject({ filename: 'zdjęcie paczki.png', size: png.length });

    const sent = await s.send(anna, {
      clientMessageId: id(),
      text: '',
      attachments: [file.upload],
    });
    expect(sent.statusCode, JSON.stringify(sent.body)).toBe(201);
    const attachment = sent.body.message.attachments[0];
    expect(attachment).toMatchObject({ filename: 'zdjęcie paczki.png', contentType: 'image/png' });
    const download = await t.app.inject({ method: 'GET', url: attachment.url });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.rawPayload.equals(png)).toBe(true);
    const tampered = await t.app.inject({
      method: 'GET',
      url: `${attachment.url.slice(0, -3)}abc`,
    });
    expect(tampered.statusCode).toBe(404);

    // Another visitor cannot attach Anna's upload; scripts and oversized files never get in.
    const mallory = await s.visitor();
    const stolen = await s.send(mallory, {
      clientMessageId: id(),
      text: 'x',
      attachments: [file.upload],
    });
    expect(stolen.statusCode).toBe(400);
    const html = await upload(anna, Buffer.from('<script>alert(1)</script>'), 'text/html');
    expect(html.statusCode).toBe(415);
    const huge = await upload(anna, Buffer.alloc(10 * 1024 * 1024 + 1), 'application/pdf');
    expect(huge.statusCode).toBe(413);
    const empty = await s.send(anna, { clientMessageId: id(), text: '  ' });
    expect(empty.statusCode).toBe(400);
  });

  it('turns the offline form into a ticket, and a callback request into a task', async () => {
    const s = await setup();
    const message = await api(t.app, 'POST', `/api/v1/widget/${s.key}/offline`, {
      body: {
        kind: 'message',
        name: 'Erik Holm',
        email: 'erik@example.se',
        text: 'Hej! Kan ni ringa mig om fakturan?',
        clientMessageId: id(),
      },
    });
    expect(message.statusCode, JSON.stringify(message.body)).toBe(201);
    expect(message.body.displayNumber).toMatch(/^#\d+$/);
    const callback = await api(t.app, 'POST', `/api/v1/widget/${s.key}/offline`, {
      body: {
        kind: 'callback',
        name: 'Erik Holm',
        phone: '+46 70 123 45 67',
        preferredTime: '2026-11-23T09:30:00Z',
        clientMessageId: id(),
      },
    });
    expect(callback.statusCode, JSON.stringify(callback.body)).toBe(201);
    const task = await t.services.db
      .selectFrom('conversations')
      .select(['channel', 'tags', 'priority', 'preview'])
      .where('id', '=', callback.body.conversationId)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ channel: 'phone', tags: ['callback'], priority: 'high' });
    expect(task.preview).toContain('+46 70 123 45 67');
    const noPhone = await api(t.app, 'POST', `/api/v1/widget/${s.key}/offline`, {
      body: { kind: 'callback', name: 'Erik', clientMessageId: id() },
    });
    expect(noPhone.statusCode).toBe(400);
  });
});

describe('chat widget: the visitor socket', () => {
  it('needs an auth frame first, with a real token', async () => {
    const noAuth = await widgetSocket('');
    noAuth.send({ type: 'ping' });
    expect(await noAuth.closed).toBe(RealtimeClose.sessionEnded);
    const forged = await widgetSocket('');
    forged.send({ type: 'auth', token: 'a.b.c' });
    expect(await forged.closed).toBe(RealtimeClose.sessionEnded);
  });

  it('acknowledges after commit, carries replies and typing both ways, never notes, and read receipts', async () => {
    const s = await setup();
    const token = await s.visitor();
    const widget = await widgetSocket(token);
    const clientMessageId = id();
    widget.send({
      type: 'send',
      message: { clientMessageId, text: 'Hej, jag behöver hjälp med min beställning.' },
    });
    const ack = await widget.next('ack');
    expect(ack.clientMessageId).toBe(clientMessageId);
    const conversationId = ack.result.conversationId;
    // A resend after a lost acknowledgement: the same message.
    widget.send({
      type: 'send',
      message: { clientMessageId, text: 'Hej, jag behöver hjälp med min beställning.' },
    });
    await widget.next('ack', (f) => f.result.duplicate);

    const agent = await connectRealtime(base, await sessionFor(t.services, s.agent));
    agent.send({ type: 'subscribe', conversationId, afterSeq: 0 });
    await agent.next('subscribed');
    // The customer types: the agent sees it; the agent types a reply: the customer sees the name.
    widget.send({ type: 'typing', conversationId, typing: true });
    await agent.next('viewers', (f) =>
      f.viewers.some((v) => v.kind === 'customer' && v.composing === 'reply'),
    );
    agent.send({ type: 'composing', conversationId, composing: 'note' });
    agent.send({ type: 'composing', conversationId, composing: 'reply' });
    await widget.next('typing', (f) => f.name === 'Ola Nowak');

    await api(t.app, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      as: s.asAgent,
      body: { kind: 'note', text: 'Kunden verkar irriterad' },
    });
    const reply = await api(t.app, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      as: s.asAgent,
      body: { kind: 'reply', text: 'Hej! Jag kollar din beställning nu.' },
    });
    expect(reply.statusCode).toBe(201);
    // Chat has no transport to wait for: committed is sent.
    expect(reply.body.deliveryStatus).toBe('sent');
    const got = await widget.next('message', (f) => f.message.text.startsWith('Hej! Jag kollar'));
    expect(got.message).toMatchObject({ from: 'agent', authorName: 'Ola Nowak' });
    expect(
      widget.frames.some((f) => f.type === 'message' && f.message.text.includes('irriterad')),
    ).toBe(false);

    // The widget showed it: the agent sees it read.
    widget.send({ type: 'seen', conversationId, seq: got.message.seq, read: true });
    await agent.next(
      'message_status',
      (f) => f.messageId === reply.body.id && f.deliveryStatus === 'read',
    );
    // The agent has the conversation on screen: the customer sees their message read.
    agent.send({ type: 'seen', conversationId, seq: ack.result.message.seq });
    await widget.next(
      'message_status',
      (f) => f.messageId === ack.result.message.id && f.deliveryStatus === 'read',
    );
    // Resolved: the widget hears it (and shows the survey hook).
    await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: s.asAgent,
      body: { status: 'resolved' },
    });
    await widget.next('status', (f) => f.status === 'resolved');
    // Someone else's conversation: an error, no data.
    const other = await setup();
    const stranger = await other.visitor();
    const theirs = await other.send(stranger, { clientMessageId: id(), text: 'Hallo' });
    widget.send({ type: 'subscribe', conversationId: theirs.body.conversationId, afterSeq: 0 });
    await widget.next('error', (f) => f.code === 'conversation_not_found');
    expect(widget.frames.some((f) => f.type === 'message' && f.message.text === 'Hallo')).toBe(
      false,
    );
    widget.socket.close();
    await agent.close();
  });
});
