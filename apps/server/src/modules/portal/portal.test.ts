import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Worker } from '../../platform/jobs.js';
import { startJobs } from '../../runtime.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { api, useTestApp } from '../../test/harness.js';
import { ingest } from '../conversations/ingest.js';
import { MAX_CODE_ATTEMPTS } from './access.service.js';

const t = useTestApp();
let worker: Worker | null = null;

beforeAll(async () => {
  await t.services.outbox.start();
  worker = await startJobs(t.services, 2);
});
afterAll(async () => {
  await worker?.stop();
});

let ipCounter = 0;
/** A fresh client address per use, so rate limits of one test never touch another. */
const newIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

interface AccessMessage {
  challengeId: string;
  conversationId: string;
  channel: string;
  recipient: { kind: string; value: string };
  locale: string;
  subject: string;
  text: string;
  link: string;
  code: string;
}

async function accessMessages(workspaceId: string): Promise<AccessMessage[]> {
  const rows = await t.services.db
    .selectFrom('outboxEvents')
    .select(['data', 'broadcast'])
    .where('workspaceId', '=', workspaceId)
    .where('type', '=', 'portal.access_requested')
    .orderBy('id')
    .execute();
  for (const row of rows) expect(row.broadcast).toBe(false);
  return rows.map((r) => r.data as AccessMessage);
}

/** The access message "sent" to the customer: the queued notification the channel delivers. */
async function sentMessage(workspaceId: string, count = 1): Promise<AccessMessage> {
  let messages: AccessMessage[] = [];
  await vi.waitFor(
    async () => {
      messages = await accessMessages(workspaceId);
      expect(messages.length).toBeGreaterThanOrEqual(count);
    },
    { timeout: 10_000, interval: 50 },
  );
  const last = messages.at(-1);
  if (!last) throw new Error('no access message');
  return last;
}

/** Waits until every queued access request has been looked at. */
async function settled(): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from graphile_worker.jobs where task_identifier = 'portal.access'`.execute(
        t.services.db,
      );
      expect(rows[0]?.n).toBe(0);
    },
    { timeout: 10_000, interval: 50 },
  );
}

const tokenOf = (message: AccessMessage) => message.link.split('#token=')[1] ?? '';

async function emailTicket(
  workspaceId: string,
  overrides: { email?: string; subject?: string; language?: string } = {},
) {
  return ingest(t.services.db, {
    workspaceId,
    channel: 'email',
    from: { kind: 'email', value: overrides.email ?? 'Ana@Example.com', name: 'Ana' },
    subject: overrides.subject ?? 'Broken kettle',
    text: 'My kettle does not boil.',
    languageHint: overrides.language ?? null,
  });
}

/** Access and verification by code in one go; returns the session. */
async function signIn(slug: string, workspaceId: string, ticket: number, contact: string) {
  const before = (await accessMessages(workspaceId)).length;
  const ip = newIp();
  const access = await api(t.app, 'POST', `/api/v1/portal/${slug}/access`, {
    body: { ticket, contact },
    ip,
  });
  expect(access.statusCode).toBe(202);
  const message = await sentMessage(workspaceId, before + 1);
  const verified = await api(t.app, 'POST', `/api/v1/portal/${slug}/verify`, {
    body: { ticket, code: message.code },
    ip,
  });
  expect(verified.statusCode, JSON.stringify(verified.body)).toBe(200);
  return verified.body as { token: string; csrfToken: string };
}

describe('customer portal', () => {
  it('lets a customer in by code, shows the ticket without notes and takes a reply the agent sees', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await tokenFor(t.services, owner);
    const opened = await emailTicket(workspace.id);
    const note = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      {
        as: agent,
        body: { kind: 'note', text: 'Internal: customer is on the blocklist' },
      },
    );
    expect(note.statusCode).toBe(201);
    const answer = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      {
        as: agent,
        body: { kind: 'reply', text: 'Have you tried descaling it?' },
      },
    );
    expect(answer.statusCode).toBe(201);

    const ip = newIp();
    const access = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: '#1001', contact: ' ANA@example.com ' },
      ip,
    });
    expect(access.statusCode).toBe(202);
    expect(access.body.status).toBe('accepted');

    const message = await sentMessage(workspace.id);
    expect(message).toMatchObject({
      conversationId: opened.conversationId,
      channel: 'email',
      recipient: { kind: 'email', value: 'ana@example.com' },
      locale: 'en',
      subject: 'Your access code for ticket #1001',
    });
    expect(message.code).toMatch(/^[0-9]{6}$/);
    expect(message.text).toContain(message.code);
    expect(message.text).toContain(`/portal/${workspace.slug}/verify#token=`);
    expect(message.text).toContain(message.link);
    // ≥ 128 bits: 32 random bytes in base64url.
    expect(tokenOf(message)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only hashes are stored.
    const stored = await t.services.db
      .selectFrom('portalChallenges')
      .selectAll()
      .where('id', '=', message.challengeId)
      .executeTakeFirstOrThrow();
    expect(stored.tokenHash.toString('hex')).not.toContain(tokenOf(message));
    expect(stored.codeHash).not.toContain(message.code);
    // The code is not in the conversation agents read.
    const agentView = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      { as: agent },
    );
    expect(JSON.stringify(agentView.body)).not.toContain(message.code);

    const verified = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { ticket: '1001', code: message.code },
      ip,
    });
    expect(verified.statusCode, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.token).toMatch(/^prp_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    expect(verified.body.ticket).toEqual({ number: 1001, displayNumber: '#1001' });
    const cookie = String(verified.headers['set-cookie']);
    expect(cookie).toContain(`parley_portal=${verified.body.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain(`Path=/api/v1/portal/${workspace.slug}/tickets/1001`);
    const session = { authorization: `Bearer ${verified.body.token as string}` };

    const ticket = await api(t.app, 'GET', `/api/v1/portal/${workspace.slug}/tickets/1001`, {
      headers: session,
    });
    expect(ticket.statusCode, JSON.stringify(ticket.body)).toBe(200);
    expect(ticket.body).toMatchObject({
      number: 1001,
      displayNumber: '#1001',
      subject: 'Broken kettle',
      status: 'in_progress',
    });
    const texts = ticket.body.messages.data.map((m: { text: string }) => m.text);
    expect(texts).toContain('My kettle does not boil.');
    expect(texts).toContain('Have you tried descaling it?');
    expect(JSON.stringify(ticket.body)).not.toContain('blocklist');
    expect(JSON.stringify(ticket.body)).not.toContain(owner.email);
    expect(ticket.body.messages.data[0]).toMatchObject({ from: 'you', authorName: null });
    expect(
      ticket.body.messages.data.find((m: { text: string }) => m.text.startsWith('Have you')),
    ).toMatchObject({ from: 'agent', authorName: 'Owner' });

    const text = 'سلام، کتری هنوز کار نمی‌کند. 水壶还是坏的。';
    const reply = await api(
      t.app,
      'POST',
      `/api/v1/portal/${workspace.slug}/tickets/1001/messages`,
      { headers: session, body: { text } },
    );
    expect(reply.statusCode, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.message).toMatchObject({ from: 'you', text });
    expect(reply.body.ticket).toEqual({ number: 1001, displayNumber: '#1001', followUp: false });

    const after = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      { as: agent },
    );
    const last = after.body.data.at(-1);
    expect(last).toMatchObject({ kind: 'inbound', channel: 'webform', text });
    expect(last.author.type).toBe('contact');

    const reread = await api(t.app, 'GET', `/api/v1/portal/${workspace.slug}/tickets/1001`, {
      headers: session,
    });
    expect(reread.body.messages.data.at(-1)).toMatchObject({ from: 'you', text });
    const timeline = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${opened.conversationId}/events`,
      { as: agent },
    );
    expect(JSON.stringify(timeline.body)).toContain('portal.accessed');
  });

  it('opens by magic link with the workspace prefix and a phone number; the cookie works, writes need the CSRF header', async () => {
    const { workspace } = await buildWorkspace(t.services);
    await t.services.db
      .updateTable('workspaces')
      .set({ ticketPrefix: 'PRL-' })
      .where('id', '=', workspace.id)
      .execute();
    await ingest(t.services.db, {
      workspaceId: workspace.id,
      channel: 'sms',
      from: { kind: 'phone', value: '+46701234567' },
      text: 'Hej, min vattenkokare är trasig',
      languageHint: 'sv',
    });
    const ip = newIp();
    const access = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 'prl-1001', contact: '+46 70 123 45 67' },
      ip,
    });
    expect(access.statusCode).toBe(202);
    const message = await sentMessage(workspace.id);
    expect(message).toMatchObject({
      channel: 'sms',
      recipient: { kind: 'phone', value: '+46701234567' },
      locale: 'sv',
      subject: 'Din åtkomstkod för ärende PRL-1001',
    });

    const verified = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { token: tokenOf(message) },
      ip,
    });
    expect(verified.statusCode, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.ticket).toEqual({ number: 1001, displayNumber: 'PRL-1001' });
    const cookie = { cookie: `parley_portal=${verified.body.token as string}` };

    const ticket = await api(t.app, 'GET', `/api/v1/portal/${workspace.slug}/tickets/1001`, {
      headers: cookie,
    });
    expect(ticket.statusCode).toBe(200);
    expect(ticket.body.status).toBe('received');
    expect(ticket.body.csrfToken).toBe(verified.body.csrfToken);

    const url = `/api/v1/portal/${workspace.slug}/tickets/1001/messages`;
    const noCsrf = await api(t.app, 'POST', url, { headers: cookie, body: { text: 'Tack' } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    const withCsrf = await api(t.app, 'POST', url, {
      headers: { ...cookie, 'x-csrf-token': verified.body.csrfToken as string },
      body: { text: 'Tack' },
    });
    expect(withCsrf.statusCode).toBe(201);
  });

  it('answers the same 202 to a wrong email, an unknown ticket or workspace, and makes no challenge', async () => {
    const { workspace } = await buildWorkspace(t.services);
    await emailTicket(workspace.id);
    const attempts = [
      { slug: workspace.slug, ticket: 1001, contact: 'someone-else@example.com' },
      { slug: workspace.slug, ticket: 9999, contact: 'ana@example.com' },
      { slug: workspace.slug, ticket: 'not a number', contact: 'ana@example.com' },
      { slug: 'no-such-workspace', ticket: 1001, contact: 'ana@example.com' },
    ];
    const answers = [];
    for (const attempt of attempts) {
      const res = await api(t.app, 'POST', `/api/v1/portal/${attempt.slug}/access`, {
        body: { ticket: attempt.ticket, contact: attempt.contact },
        ip: newIp(),
      });
      expect(res.statusCode).toBe(202);
      answers.push(res.body);
    }
    const matching = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 1001, contact: 'ana@example.com' },
      ip: newIp(),
    });
    expect(matching.statusCode).toBe(202);
    for (const answer of answers) expect(answer).toEqual(matching.body);

    await settled();
    const challenges = await t.services.db
      .selectFrom('portalChallenges')
      .select('identityValue')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(challenges).toEqual([{ identityValue: 'ana@example.com' }]);
    expect(await accessMessages(workspace.id)).toHaveLength(1);
  });

  it('never lets another contact of the workspace in with their own email', async () => {
    const { workspace } = await buildWorkspace(t.services);
    await emailTicket(workspace.id);
    await emailTicket(workspace.id, { email: 'bob@example.com' }); // Bob exists, ticket 1002
    const res = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 1001, contact: 'bob@example.com' },
      ip: newIp(),
    });
    expect(res.statusCode).toBe(202);
    await settled();
    expect(await accessMessages(workspace.id)).toHaveLength(0);
  });

  it('kills a challenge after five wrong codes, link included', async () => {
    const { workspace } = await buildWorkspace(t.services);
    await emailTicket(workspace.id);
    await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 1001, contact: 'ana@example.com' },
      ip: newIp(),
    });
    const message = await sentMessage(workspace.id);
    const wrong = message.code === '000000' ? '111111' : '000000';
    const ip = newIp();
    const codes = [];
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      const res = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
        body: { ticket: 1001, code: wrong },
        ip,
      });
      expect(res.statusCode).toBe(401);
      codes.push(res.body.error.code);
    }
    expect(codes).toEqual([
      'portal_code_invalid',
      'portal_code_invalid',
      'portal_code_invalid',
      'portal_code_invalid',
      'portal_challenge_locked',
    ]);
    const right = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { ticket: 1001, code: message.code },
      ip: newIp(),
    });
    expect(right.statusCode).toBe(401);
    expect(right.body.error.code).toBe('portal_challenge_locked');
    const link = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { token: tokenOf(message) },
      ip: newIp(),
    });
    expect(link.body.error.code).toBe('portal_challenge_locked');
    const sessions = await t.services.db
      .selectFrom('portalSessions')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(sessions).toHaveLength(0);
  });

  it('refuses an expired challenge and a used one', async () => {
    const { workspace } = await buildWorkspace(t.services);
    await emailTicket(workspace.id);
    await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 1001, contact: 'ana@example.com' },
      ip: newIp(),
    });
    const first = await sentMessage(workspace.id);
    await t.services.db
      .updateTable('portalChallenges')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('id', '=', first.challengeId)
      .execute();
    const byCode = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { ticket: 1001, code: first.code },
      ip: newIp(),
    });
    expect(byCode.statusCode).toBe(401);
    expect(byCode.body.error.code).toBe('portal_challenge_expired');
    const byLink = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { token: tokenOf(first) },
      ip: newIp(),
    });
    expect(byLink.body.error.code).toBe('portal_challenge_expired');

    await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 1001, contact: 'ana@example.com' },
      ip: newIp(),
    });
    const second = await sentMessage(workspace.id, 2);
    expect(second.challengeId).not.toBe(first.challengeId);
    const ok = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { token: tokenOf(second) },
      ip: newIp(),
    });
    expect(ok.statusCode).toBe(200);
    const again = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { token: tokenOf(second) },
      ip: newIp(),
    });
    expect(again.statusCode).toBe(401);
    expect(again.body.error.code).toBe('portal_challenge_used');
    const code = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { ticket: 1001, code: second.code },
      ip: newIp(),
    });
    expect(code.body.error.code).toBe('portal_challenge_used');
    const forged = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { token: 'A'.repeat(43) },
      ip: newIp(),
    });
    expect(forged.body.error.code).toBe('portal_link_invalid');
  });

  it('keeps a session to its one ticket: another ticket or workspace is a 404', async () => {
    const a = await buildWorkspace(t.services);
    const b = await buildWorkspace(t.services);
    const first = await emailTicket(a.workspace.id, { subject: 'First' });
    const second = await emailTicket(a.workspace.id, { subject: 'Second' }); // same customer
    await emailTicket(b.workspace.id, { subject: 'In B' });
    expect([first.number, second.number]).toEqual([1001, 1002]);
    const session = await signIn(a.workspace.slug, a.workspace.id, 1001, 'ana@example.com');
    const headers = { authorization: `Bearer ${session.token}` };

    const other = await api(t.app, 'GET', `/api/v1/portal/${a.workspace.slug}/tickets/1002`, {
      headers,
    });
    expect(other.statusCode).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('Second');
    const write = await api(
      t.app,
      'POST',
      `/api/v1/portal/${a.workspace.slug}/tickets/1002/messages`,
      { headers, body: { text: 'sneaky' } },
    );
    expect(write.statusCode).toBe(404);
    const crossWorkspace = await api(
      t.app,
      'GET',
      `/api/v1/portal/${b.workspace.slug}/tickets/1001`,
      { headers },
    );
    expect(crossWorkspace.statusCode).toBe(404);
    expect(JSON.stringify(crossWorkspace.body)).not.toContain('In B');
    const crossWrite = await api(
      t.app,
      'POST',
      `/api/v1/portal/${b.workspace.slug}/tickets/1001/messages`,
      { headers, body: { text: 'sneaky' } },
    );
    expect(crossWrite.statusCode).toBe(404);
    const sneaky = await t.services.db
      .selectFrom('messages')
      .select('id')
      .where('text', '=', 'sneaky')
      .execute();
    expect(sneaky).toHaveLength(0);

    const none = await api(t.app, 'GET', `/api/v1/portal/${a.workspace.slug}/tickets/1001`);
    expect(none.statusCode).toBe(401);
    expect(none.body.error.code).toBe('portal_session_invalid');
    const agentToken = await tokenFor(t.services, a.owner);
    const asAgent = await api(t.app, 'GET', `/api/v1/portal/${a.workspace.slug}/tickets/1001`, {
      as: agentToken,
    });
    expect(asAgent.statusCode).toBe(401);
    // A portal session is nothing to the agent API.
    const agentApi = await api(t.app, 'GET', '/api/v1/conversations', { headers });
    expect(agentApi.statusCode).toBe(401);

    await t.services.db
      .updateTable('portalSessions')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('workspaceId', '=', a.workspace.id)
      .execute();
    const expired = await api(t.app, 'GET', `/api/v1/portal/${a.workspace.slug}/tickets/1001`, {
      headers,
    });
    expect(expired.statusCode).toBe(401);
  });

  it('rate-limits access per ticket and address, and per address', async () => {
    const { workspace } = await buildWorkspace(t.services);
    const ip = newIp();
    const send = (ticket: number, from = ip) =>
      api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
        body: { ticket, contact: 'nobody@example.com' },
        ip: from,
      });
    for (let i = 0; i < 5; i++) expect((await send(1001)).statusCode).toBe(202);
    const limited = await send(1001);
    expect(limited.statusCode).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another ticket from the same address still goes through, until the address's own limit.
    let status = 202;
    for (let n = 2000; n < 2030 && status === 202; n++) status = (await send(n)).statusCode;
    expect(status).toBe(429);
    expect((await send(3000, newIp())).statusCode).toBe(202);

    const verifyIp = newIp();
    const verify = () =>
      api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
        body: { ticket: 1001, code: '123456' },
        ip: verifyIp,
      });
    for (let i = 0; i < 5; i++) expect((await verify()).statusCode).toBe(401);
    expect((await verify()).statusCode).toBe(429);
  });

  it('honours Idempotency-Key on replies, and a reply reopens a resolved ticket', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await tokenFor(t.services, owner);
    const opened = await emailTicket(workspace.id, { language: 'zh' });
    const before = (await accessMessages(workspace.id)).length;
    await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/access`, {
      body: { ticket: 1001, contact: 'ana@example.com' },
      ip: newIp(),
    });
    const message = await sentMessage(workspace.id, before + 1);
    expect(message.locale).toBe('zh');
    expect(message.text).toContain('验证码');
    const verified = await api(t.app, 'POST', `/api/v1/portal/${workspace.slug}/verify`, {
      body: { ticket: '#1001', code: message.code },
      ip: newIp(),
    });
    const headers = { authorization: `Bearer ${verified.body.token as string}` };

    const resolved = await api(t.app, 'PATCH', `/api/v1/conversations/${opened.conversationId}`, {
      as: agent,
      body: { status: 'resolved' },
    });
    expect(resolved.statusCode).toBe(200);
    const url = `/api/v1/portal/${workspace.slug}/tickets/1001/messages`;
    const first = await api(t.app, 'POST', url, {
      headers: { ...headers, 'idempotency-key': 'reply-1' },
      body: { text: '还是不行' },
    });
    expect(first.statusCode).toBe(201);
    const replay = await api(t.app, 'POST', url, {
      headers: { ...headers, 'idempotency-key': 'reply-1' },
      body: { text: '还是不行' },
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const reused = await api(t.app, 'POST', url, {
      headers: { ...headers, 'idempotency-key': 'reply-1' },
      body: { text: 'something else' },
    });
    expect(reused.statusCode).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const stored = await t.services.db
      .selectFrom('messages')
      .select('id')
      .where('conversationId', '=', opened.conversationId)
      .where('text', '=', '还是不行')
      .execute();
    expect(stored).toHaveLength(1);

    const conversation = await t.services.db
      .selectFrom('conversations')
      .select(['status', 'reopenedCount'])
      .where('id', '=', opened.conversationId)
      .executeTakeFirstOrThrow();
    expect(conversation).toEqual({ status: 'open', reopenedCount: 1 });
    const ticket = await api(t.app, 'GET', `/api/v1/portal/${workspace.slug}/tickets/1001`, {
      headers,
    });
    expect(ticket.body.status).toBe('in_progress');
  });

  it('starts a follow-up when the customer writes to a closed ticket', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const agent = await tokenFor(t.services, owner);
    const opened = await emailTicket(workspace.id);
    const session = await signIn(workspace.slug, workspace.id, 1001, 'ana@example.com');
    await api(t.app, 'PATCH', `/api/v1/conversations/${opened.conversationId}`, {
      as: agent,
      body: { status: 'closed' },
    });
    const reply = await api(
      t.app,
      'POST',
      `/api/v1/portal/${workspace.slug}/tickets/1001/messages`,
      { headers: { authorization: `Bearer ${session.token}` }, body: { text: 'One more thing' } },
    );
    expect(reply.statusCode).toBe(201);
    expect(reply.body.ticket).toEqual({ number: 1002, displayNumber: '#1002', followUp: true });
  });
});
