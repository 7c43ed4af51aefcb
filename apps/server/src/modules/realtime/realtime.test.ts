import { RealtimeClose } from '@parley/contract';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import { api, useTestApp } from '../../test/harness.js';
import { connectRealtime, listening } from '../../test/realtime-client.js';
import { recordEvent } from '../../platform/outbox.js';
import { ingest } from '../conversations/ingest.js';
import { OFFLINE_AFTER_MS, markSeen, sweepDisconnected } from './presence.js';

const t = useTestApp();
let base = '';
beforeAll(async () => {
  await t.services.outbox.start();
  base = await listening(t.app);
});

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const anna = await buildUser(t.services, { workspaceId: workspace.id, name: 'Anna Nowak' });
  const bo = await buildUser(t.services, { workspaceId: workspace.id, name: 'Bo Ek' });
  const asOwner = await tokenFor(t.services, owner);
  const asAnna = await sessionFor(t.services, anna);
  const asBo = await tokenFor(t.services, bo);
  const customer = `klient-${Math.random().toString(36).slice(2)}@example.pl`;
  const thread = `<${Math.random().toString(36).slice(2)}@example.pl>`;
  const write = (text: string) =>
    ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'email',
      from: { kind: 'email', value: customer },
      subject: 'Zamówienie nie dotarło',
      text,
      // Every message threads to the first (as a mail client's In-Reply-To would).
      threadKeys: [thread],
      ownThreadKeys: [thread],
    });
  const first = await write('Dzień dobry, moje zamówienie nie dotarło.');
  return {
    workspace,
    owner,
    anna,
    bo,
    asOwner,
    asAnna,
    asBo,
    write,
    conversationId: first.conversationId,
  };
}

describe('realtime gateway', () => {
  it('refuses an upgrade without a credential, with a bad one, or from another site', async () => {
    await expect(connectRealtime(base, null)).rejects.toThrow('upgrade refused: 401');
    await expect(connectRealtime(base, { token: 'prl_nonsense' })).rejects.toThrow(
      'upgrade refused: 401',
    );
    const { asAnna } = await setup();
    await expect(connectRealtime(base, asAnna, { origin: 'https://evil.example' })).rejects.toThrow(
      'upgrade refused: 403',
    );
    const same = await connectRealtime(base, asAnna, { origin: base.replace('ws:', 'http:') });
    expect(same.frames[0]).toMatchObject({ type: 'ready', userId: expect.any(String) });
    await same.close();
  });

  it('sends a followed conversation its new messages once, in order, and workspace events', async () => {
    const s = await setup();
    const anna = await connectRealtime(base, s.asAnna);
    anna.send({ type: 'subscribe', conversationId: s.conversationId });
    await anna.next('subscribed');
    await s.write('Numer zamówienia 1042.');
    const note = await api(t.app, 'POST', `/api/v1/conversations/${s.conversationId}/messages`, {
      as: s.asBo,
      body: { kind: 'note', text: 'Sprawdzę w magazynie' },
    });
    expect(note.statusCode).toBe(201);
    await anna.next('message', (f) => f.message.text === 'Sprawdzę w magazynie');
    const messages = anna.all('message').map((f) => f.message);
    expect(messages.map((m) => m.seq)).toEqual(
      [...messages.map((m) => m.seq)].sort((a, b) => a - b),
    );
    expect(new Set(messages.map((m) => m.seq)).size).toBe(messages.length);
    expect(messages.map((m) => m.text)).toContain('Numer zamówienia 1042.');
    // The workspace's events arrive too (the inbox refreshes from them).
    await anna.next('event', (f) => f.event.type === 'message.created');
    await anna.close();
  });

  it('resumes after 20 messages missed while offline: each once, in order, then live again', async () => {
    const s = await setup();
    const first = await connectRealtime(base, s.asAnna);
    first.send({ type: 'subscribe', conversationId: s.conversationId, afterSeq: 0 });
    await first.next('subscribed');
    const seen = first.all('message').map((f) => f.message.seq);
    expect(seen).toEqual([1]);
    await first.close();

    for (let i = 1; i <= 20; i++) await s.write(`Wiadomość ${i}`);

    const again = await connectRealtime(base, s.asAnna);
    again.send({ type: 'subscribe', conversationId: s.conversationId, afterSeq: 1 });
    const subscribed = await again.next('subscribed');
    const missed = again.all('message').map((f) => f.message);
    expect(missed.map((m) => m.text)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Wiadomość ${i + 1}`),
    );
    expect(missed.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(subscribed.lastSeq).toBe(21);
    await s.write('Już jestem');
    await again.next('message', (f) => f.message.text === 'Już jestem');
    // Another event on the conversation sends nothing twice.
    await api(t.app, 'PATCH', `/api/v1/conversations/${s.conversationId}`, {
      as: s.asOwner,
      body: { priority: 'high' },
    });
    await again.next('event', (f) => f.event.type === 'conversation.updated');
    const seqs = again.all('message').map((f) => f.message.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.at(-1)).toBe(22);
    await again.close();
  });

  it('never joins another workspace’s conversation and sends it no data', async () => {
    const mine = await setup();
    const theirs = await setup();
    const socket = await connectRealtime(base, mine.asAnna);
    socket.send({ type: 'subscribe', conversationId: theirs.conversationId, afterSeq: 0 });
    const error = await socket.next('error');
    expect(error).toMatchObject({
      code: 'conversation_not_found',
      conversationId: theirs.conversationId,
    });
    await theirs.write('Tajne');
    socket.send({ type: 'ping' });
    await socket.next('pong');
    expect(socket.all('message')).toEqual([]);
    expect(socket.all('event').every((f) => f.event.aggregateId !== theirs.conversationId)).toBe(
      true,
    );
    await socket.close();
  });

  it.each([
    ['not JSON', 'hello', RealtimeClose.invalidPayload],
    ['an unknown frame', JSON.stringify({ type: 'explode' }), RealtimeClose.policyViolation],
    [
      'a frame with extra fields',
      JSON.stringify({ type: 'ping', admin: true }),
      RealtimeClose.policyViolation,
    ],
    ['a binary frame', Buffer.from([1, 2, 3]), RealtimeClose.unsupportedData],
    ['an oversized frame', 'x'.repeat(17 * 1024), RealtimeClose.tooBig],
  ])('closes the socket on %s and nothing else is affected', async (_what, frame, code) => {
    const s = await setup();
    const bystander = await connectRealtime(base, s.asBo);
    const bad = await connectRealtime(base, s.asAnna);
    bad.socket.send(frame);
    expect((await bad.closed).code).toBe(code);
    bystander.send({ type: 'ping' });
    await bystander.next('pong');
    expect((await api(t.app, 'GET', '/readyz')).statusCode).toBe(200);
    await bystander.close();
  });

  it('shows who is viewing and who is writing a reply (collision awareness)', async () => {
    const s = await setup();
    const anna = await connectRealtime(base, s.asAnna);
    const bo = await connectRealtime(base, s.asBo);
    anna.send({ type: 'subscribe', conversationId: s.conversationId });
    await anna.next('viewers', (f) => f.viewers.length === 1);
    bo.send({ type: 'subscribe', conversationId: s.conversationId });
    const both = await anna.next('viewers', (f) => f.viewers.length === 2);
    expect(both.viewers.map((v) => v.name)).toEqual(['Anna Nowak', 'Bo Ek']);
    bo.send({ type: 'composing', conversationId: s.conversationId, composing: 'reply' });
    const writing = await anna.next('viewers', (f) =>
      f.viewers.some((v) => v.name === 'Bo Ek' && v.composing === 'reply'),
    );
    expect(writing.viewers.find((v) => v.name === 'Anna Nowak')?.composing).toBeNull();
    await bo.close();
    const alone = await anna.next('viewers', (f) => f.viewers.length === 1, {
      from: anna.frames.indexOf(writing) + 1,
    });
    expect(alone.viewers[0]?.name).toBe('Anna Nowak');
    await anna.close();
  });

  it('closes the sockets of a deactivated user with 4401', async () => {
    const s = await setup();
    const anna = await connectRealtime(base, s.asAnna);
    const res = await api(t.app, 'PATCH', `/api/v1/users/${s.anna.id}`, {
      as: s.asOwner,
      body: { status: 'deactivated' },
    });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    expect((await anna.closed).code).toBe(RealtimeClose.sessionEnded);
  });

  it('closes them too when another node deactivated the user (its event clears this node’s cache)', async () => {
    const s = await setup();
    const anna = await connectRealtime(base, s.asAnna);
    // This node has just cached her credentials; another node deactivates her and records
    // the event, without touching this node's cache.
    await t.services.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ status: 'deactivated' })
        .where('workspaceId', '=', s.workspace.id)
        .where('id', '=', s.anna.id)
        .execute();
      await recordEvent(trx, {
        workspaceId: s.workspace.id,
        aggregateType: 'user',
        aggregateId: s.anna.id,
        type: 'user.updated',
        data: { changes: ['status'] },
        broadcast: true,
      });
    });
    const started = Date.now();
    expect((await anna.closed).code).toBe(RealtimeClose.sessionEnded);
    // Well before the cache would have let her credentials go (5 s).
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('sets presence from the app and offline once every connection has been gone a while', async () => {
    const s = await setup();
    const anna = await connectRealtime(base, s.asAnna);
    anna.send({ type: 'presence', presence: 'online' });
    await anna.next('event', (f) => f.event.type === 'agent.presence_changed');
    const presence = async () =>
      (
        await t.services.db
          .selectFrom('agents')
          .select(['presence', 'realtimeSeenAt'])
          .where('workspaceId', '=', s.workspace.id)
          .where('userId', '=', s.anna.id)
          .executeTakeFirstOrThrow()
      ).presence;
    expect(await presence()).toBe('online');
    // Connected: a sweep leaves her be.
    await markSeen(t.services.db, [{ workspaceId: s.workspace.id, userId: s.anna.id }]);
    await sweepDisconnected(t.services.db);
    expect(await presence()).toBe('online');
    await anna.close();
    // Her last stamp is older than the limit: the sweep sets her offline, once.
    await sql`update agents set realtime_seen_at = now() - make_interval(secs => ${
      OFFLINE_AFTER_MS / 1000 + 5
    }) where user_id = ${s.anna.id}`.execute(t.services.db);
    await sweepDisconnected(t.services.db);
    expect(await presence()).toBe('offline');
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select('data')
      .where('aggregateId', '=', s.anna.id)
      .where('type', '=', 'agent.presence_changed')
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.data)).toMatchObject([
      { presence: 'online', actorId: s.anna.id },
      { presence: 'offline', actorId: null, reason: 'disconnected' },
    ]);
  });
});
