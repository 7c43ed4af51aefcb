import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, sessionFor, tokenFor } from '../../test/factories.js';
import { MTA_LOGIN, useMailFlow, useRecipientMta } from '../../test/mail.js';
import { checkReplyToken, findReplyToken, replyAddress, withoutPlusTag } from './reply-address.js';

const t = useTestApp({ PUBLIC_URL: 'https://desk.acme.test' });
const flow = useMailFlow(t);
const mta = useRecipientMta();

const waitFor = <T>(check: () => Promise<T> | T, timeout = 15_000) =>
  vi.waitFor(check, { timeout, interval: 100 });

/** Every event dispatched and every email job of the test done: whatever was to happen has. */
async function settled(workspaceId: string) {
  await waitFor(async () => {
    const { rows } = await sql<{ events: number; jobs: number }>`
      select (select count(*)::int from outbox_events
               where workspace_id = ${workspaceId} and dispatched_at is null) as events,
             (select count(*)::int from graphile_worker.jobs
               where task_identifier in ('email.process', 'email.notify', 'email.send',
                                         'conversations.acknowledge')) as jobs`.execute(
      t.services.db,
    );
    expect(rows[0]).toEqual({ events: 0, jobs: 0 });
  });
}

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const ownerAs = await tokenFor(t.services, owner);
  const address = `help-${workspace.slug}@acme.test`;
  const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
    as: ownerAs,
    body: {
      name: 'Help',
      address,
      displayName: 'Acme Help',
      transport: { host: '127.0.0.1', port: mta.port, ...MTA_LOGIN },
    },
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  const agent = await buildUser(t.services, { workspaceId: workspace.id, name: 'Ola Agent' });
  const agentAs = await sessionFor(t.services, agent);
  return { workspace, owner, ownerAs, address, agent, agentAs };
}

let mailCount = 0;

/** A customer's mail in through SMTP; resolves to its conversation once processed. */
async function customerWrites(mail: {
  from: string | { name: string; address: string };
  to: string;
  subject: string;
  text: string;
}) {
  const messageId = `customer-${String(++mailCount)}-${String(Date.now())}@customer.test`;
  await flow.mailer().sendMail({ ...mail, messageId: `<${messageId}>` });
  const row = await inboundRow(messageId);
  expect(row.status).toBe('processed');
  return row.conversationId ?? '';
}

const messagesOf = (conversationId: string) =>
  t.services.db
    .selectFrom('messages')
    .select(['kind', 'authorType', 'authorId', 'text', 'deliveryStatus', 'attachments'])
    .where('conversationId', '=', conversationId)
    .orderBy('seq')
    .execute();

async function inboundRow(messageId: string) {
  return waitFor(async () => {
    const row = await t.services.db
      .selectFrom('inboundEmails')
      .select(['status', 'error', 'conversationId'])
      .where('messageId', '=', messageId)
      .executeTakeFirstOrThrow();
    expect(row.status).not.toBe('received');
    return row;
  });
}

describe('signed reply addresses', () => {
  it('verify only for the user, workspace and conversation they were made for, for 90 days', () => {
    const secret = 'a'.repeat(64);
    const props = { workspaceId: 'w1', number: 1042, userId: 'u1' };
    const address = replyAddress(secret, { ...props, mailboxAddress: 'help@acme.test' });
    expect(address).toMatch(/^help\+n-[a-z2-7]{28}@acme\.test$/);
    expect(address.split('@')[0]?.length).toBeLessThanOrEqual(64);
    expect(withoutPlusTag(address)).toBe('help@acme.test');
    const found = findReplyToken(['other@x.test', address.toUpperCase()]);
    expect(found?.baseAddress).toBe('help@acme.test');
    const token = found?.token ?? '';
    expect(checkReplyToken(secret, { workspaceId: 'w1', userId: 'u1', token })).toMatchObject({
      ok: true,
      number: 1042,
    });
    for (const [workspaceId, userId, key] of [
      ['w1', 'u2', secret],
      ['w2', 'u1', secret],
      ['w1', 'u1', 'b'.repeat(64)],
    ] as const)
      expect(checkReplyToken(key, { workspaceId, userId, token })).toEqual({
        ok: false,
        reason: 'signature',
      });
    // Another ticket number in the same token: the MAC no longer matches.
    const tampered = `${token.slice(0, 7)}${token[7] === 'a' ? 'b' : 'a'}${token.slice(8)}`;
    expect(
      checkReplyToken(secret, { workspaceId: 'w1', userId: 'u1', token: tampered }),
    ).toMatchObject({ ok: false });
    expect(checkReplyToken(secret, { workspaceId: 'w1', userId: 'u1', token: 'short' })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    const old = replyAddress(secret, {
      ...props,
      mailboxAddress: 'help@acme.test',
      at: new Date(Date.now() - 91 * 86_400_000),
    });
    expect(
      checkReplyToken(secret, {
        workspaceId: 'w1',
        userId: 'u1',
        token: findReplyToken([old])?.token ?? '',
      }),
    ).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('agent notifications by email', () => {
  it('tells the assignee in their language, and their emailed answer reaches the customer as their reply', async () => {
    const { workspace, ownerAs, address, agent, agentAs } = await setup();
    const languages = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: agentAs,
      body: { locale: 'pl' },
    });
    expect(languages.statusCode).toBe(200);
    const customer = `jan-${workspace.slug}@customer.test`;
    const conversationId = await customerWrites({
      from: { name: 'Jan <script>x</script>', address: customer },
      to: address,
      subject: 'Paczka <b>zgubiona</b>',
      text: 'Gdzie jest moja paczka? <script>alert(1)</script>',
    });
    await waitFor(() => expect(mta.mailsTo(customer)).toHaveLength(1)); // the acknowledgement
    const assigned = await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: ownerAs,
      body: { assigneeId: agent.id },
    });
    expect(assigned.statusCode).toBe(200);
    const [notification] = await waitFor(() => {
      const list = mta.mailsTo(agent.email);
      expect(list).toHaveLength(1);
      return list;
    });
    const { number } = await t.services.db
      .selectFrom('conversations')
      .select('number')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    const mail = notification?.mail;
    expect(mail?.subject).toBe(`[#${String(number)}] Przypisano do Ciebie: Paczka <b>zgubiona</b>`);
    expect(mail?.from?.value[0]).toMatchObject({ name: 'Acme Help', address });
    expect(mail?.headers.get('auto-submitted')).toBe('auto-generated');
    const replyTo = mail?.replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(new RegExp(`^help-${workspace.slug}\\+n-[a-z2-7]{28}@acme\\.test$`));
    expect(mail?.text).toContain('Owner przypisał(a) Ci rozmowę');
    expect(mail?.text).toContain(`Jan <script>x</script> <${customer}>`);
    expect(mail?.html).toContain(`Jan &lt;script&gt;x&lt;/script&gt; &lt;${customer}&gt;`);
    expect(mail?.text).toContain('Gdzie jest moja paczka? <script>alert(1)</script>');
    expect(mail?.text).toContain(`https://desk.acme.test/app/conversations/${conversationId}`);
    expect(mail?.html).toContain('Gdzie jest moja paczka? &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail?.html).toContain('Paczka &lt;b&gt;zgubiona&lt;/b&gt;');
    expect(mail?.html).not.toMatch(/<script|<b>zgubiona/);

    // The agent answers from their mail client; the quoted notification is cut.
    await flow.mailer().sendMail({
      from: `Ola <${agent.email.toUpperCase()}>`,
      to: replyTo,
      subject: `Re: ${mail?.subject ?? ''}`,
      inReplyTo: mail?.messageId ?? '',
      text: `Paczka wyszła wczoraj, numer PL123.\n\nOn Mon, 1 Jun 2026 at 10:00, Acme Help <${address}> wrote:\n> Owner przypisał(a) Ci rozmowę\n> Gdzie jest moja paczka?\n`,
      messageId: `<answer-${workspace.slug}@example.com>`,
    });
    const answered = await inboundRow(`answer-${workspace.slug}@example.com`);
    expect(answered).toMatchObject({ status: 'processed', conversationId, error: null });
    const reply = (await messagesOf(conversationId)).at(-1);
    expect(reply).toMatchObject({
      kind: 'outbound',
      authorType: 'user',
      authorId: agent.id,
      text: 'Paczka wyszła wczoraj, numer PL123.',
    });
    const [, toCustomer] = await waitFor(() => {
      const list = mta.mailsTo(customer);
      expect(list).toHaveLength(2);
      return list;
    });
    expect(toCustomer?.mail.text).toContain('Paczka wyszła wczoraj, numer PL123.');
    expect(toCustomer?.mail.text).not.toContain('przypisał');

    // "#note" first: an internal note, never sent.
    await flow.mailer().sendMail({
      from: agent.email,
      to: replyTo,
      subject: 'Re: note',
      text: '#note\nKlient dzwonił, sprawdzić kuriera.',
      messageId: `<note-${workspace.slug}@example.com>`,
    });
    await inboundRow(`note-${workspace.slug}@example.com`);
    expect((await messagesOf(conversationId)).at(-1)).toMatchObject({
      kind: 'note',
      authorId: agent.id,
      text: 'Klient dzwonił, sprawdzić kuriera.',
    });
    await settled(workspace.id);
    expect(mta.mailsTo(customer)).toHaveLength(2);
  });

  it('never posts as the agent without a valid signature from the agent’s own address', async () => {
    const { workspace, ownerAs, owner, address, agent } = await setup();
    const customer = `eva-${workspace.slug}@customer.test`;
    const conversationId = await customerWrites({
      from: customer,
      to: address,
      subject: 'Faktura',
      text: 'Fakturan är fel.',
    });
    const { number } = await t.services.db
      .selectFrom('conversations')
      .select('number')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    const valid = (userId: string, at?: Date) =>
      replyAddress(t.config.secretKey, {
        workspaceId: workspace.id,
        mailboxAddress: address,
        number,
        userId,
        ...(at ? { at } : {}),
      });
    // Counted once the acknowledgement (a job of its own) is written too.
    await settled(workspace.id);
    const before = (await messagesOf(conversationId)).length;
    const attempts: { name: string; from: string; to: string; headers?: Record<string, string> }[] =
      [
        {
          name: 'forged',
          from: agent.email,
          to: `help-${workspace.slug}+n-${'a'.repeat(28)}@acme.test`,
        },
        { name: 'stranger', from: customer, to: valid(agent.id) },
        { name: 'colleague', from: owner.email, to: valid(agent.id) },
        {
          name: 'expired',
          from: agent.email,
          to: valid(agent.id, new Date(Date.now() - 100 * 86_400_000)),
        },
        {
          name: 'autoreply',
          from: agent.email,
          to: valid(agent.id),
          headers: { 'Auto-Submitted': 'auto-replied' },
        },
      ];
    for (const attempt of attempts) {
      await flow.mailer().sendMail({
        from: attempt.from,
        to: attempt.to,
        subject: `Re: [#${String(number)}] Faktura`,
        text: `Posted by ${attempt.name}?`,
        messageId: `<${attempt.name}-${workspace.slug}@example.com>`,
        ...(attempt.headers ? { headers: attempt.headers } : {}),
      });
    }
    const reasons: Record<string, string | null> = {};
    for (const attempt of attempts) {
      const row = await inboundRow(`${attempt.name}-${workspace.slug}@example.com`);
      expect(row.status, attempt.name).toBe('ignored');
      reasons[attempt.name] = row.error;
    }
    expect(reasons).toEqual({
      forged: 'notification reply: the signature does not match the sender',
      stranger: 'notification reply: the sender is not a user of this workspace',
      colleague: 'notification reply: the signature does not match the sender',
      expired: 'notification reply: the reply address is older than 90 days',
      autoreply: 'notification reply: automatic mail (auto-reply, list, bounce) is not posted',
    });

    // A deactivated agent's token dies with the account.
    const deactivated = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: ownerAs,
      body: { status: 'deactivated' },
    });
    expect(deactivated.statusCode).toBe(200);
    await flow.mailer().sendMail({
      from: agent.email,
      to: valid(agent.id),
      subject: 'Re: Faktura',
      text: 'Posted after leaving?',
      messageId: `<left-${workspace.slug}@example.com>`,
    });
    expect(await inboundRow(`left-${workspace.slug}@example.com`)).toMatchObject({
      status: 'ignored',
      error: 'notification reply: the user is deactivated',
    });
    await settled(workspace.id);
    const after = await messagesOf(conversationId);
    expect(after).toHaveLength(before);
    expect(after.some((m) => m.text.includes('Posted'))).toBe(false);
    const conversations = await t.services.db
      .selectFrom('conversations')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(conversations).toHaveLength(1);
  });

  it('tells the assignee about customer replies as they choose, never themselves, never when deactivated', async () => {
    const { workspace, ownerAs, owner, address, agent, agentAs } = await setup();
    const customer = `li-${workspace.slug}@customer.test`;
    const conversationId = await customerWrites({
      from: customer,
      to: address,
      subject: '订单问题',
      text: '我的订单还没到。',
    });
    const { number } = await t.services.db
      .selectFrom('conversations')
      .select('number')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    // Taking a conversation yourself is no news to you.
    await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: agentAs,
      body: { assigneeId: agent.id },
    });
    await settled(workspace.id);
    expect(mta.mailsTo(agent.email)).toHaveLength(0);

    await customerWrites({
      from: customer,
      to: address,
      subject: `Re: [#${String(number)}] 订单问题`,
      text: '请尽快回复 <img src=x onerror=alert(1)>',
    });
    const [replied] = await waitFor(() => {
      const list = mta.mailsTo(agent.email);
      expect(list).toHaveLength(1);
      return list;
    });
    expect(replied?.mail.subject).toBe(`[#${String(number)}] ${customer} replied: 订单问题`);
    expect(replied?.mail.text).toContain('请尽快回复 <img src=x onerror=alert(1)>');
    expect(replied?.mail.html).toContain('请尽快回复 &lt;img src=x onerror=alert(1)&gt;');

    // Preferences: shown on /me with defaults on, changed by the user only, key by key.
    const me = await api(t.app, 'GET', '/api/v1/me', { as: agentAs });
    expect(me.body.user.notificationPreferences).toEqual({
      email: {
        assigned: true,
        customerReplied: true,
        escalated: true,
        slaWarning: true,
        slaBreached: true,
      },
      push: { slaWarning: true, slaBreached: true },
    });
    const byAdmin = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: ownerAs,
      body: { notificationPreferences: { email: { assigned: false } } },
    });
    expect(byAdmin.statusCode).toBe(403);
    const bad = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: agentAs,
      body: { notificationPreferences: { email: { customerReplied: 'no' } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const off = await api(t.app, 'PATCH', `/api/v1/users/${agent.id}`, {
      as: agentAs,
      body: { notificationPreferences: { email: { customerReplied: false } } },
    });
    expect(off.statusCode).toBe(200);
    expect(off.body.notificationPreferences).toEqual({
      email: {
        assigned: true,
        customerReplied: false,
        escalated: true,
        slaWarning: true,
        slaBreached: true,
      },
      push: { slaWarning: true, slaBreached: true },
    });
    await customerWrites({
      from: customer,
      to: address,
      subject: `Re: [#${String(number)}] 订单问题`,
      text: '还在等。',
    });
    await settled(workspace.id);
    expect(mta.mailsTo(agent.email)).toHaveLength(1);

    // Assigned by someone else: told (assignments are still on).
    const colleague = await buildUser(t.services, { workspaceId: workspace.id });
    await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: await sessionFor(t.services, colleague),
      body: { assigneeId: owner.id },
    });
    await waitFor(() => expect(mta.mailsTo(owner.email)).toHaveLength(1));
    // A deactivated assignee hears nothing (after the assignment's own mail).
    await api(t.app, 'PATCH', `/api/v1/conversations/${conversationId}`, {
      as: ownerAs,
      body: { assigneeId: colleague.id },
    });
    await waitFor(() => expect(mta.mailsTo(colleague.email)).toHaveLength(1));
    await api(t.app, 'PATCH', `/api/v1/users/${colleague.id}`, {
      as: ownerAs,
      body: { status: 'deactivated' },
    });
    await customerWrites({
      from: customer,
      to: address,
      subject: `Re: [#${String(number)}] 订单问题`,
      text: '有人吗?',
    });
    await settled(workspace.id);
    expect(mta.mailsTo(colleague.email)).toHaveLength(1);
  });

  it('tells the leads of the team a conversation is escalated to, in their language, never the one who escalated', async () => {
    const { workspace, ownerAs, address, agent, agentAs } = await setup();
    const lead = await buildUser(t.services, { workspaceId: workspace.id, name: 'Lena Lead' });
    const leadAs = await sessionFor(t.services, lead);
    expect(
      (
        await api(t.app, 'PATCH', `/api/v1/users/${lead.id}`, {
          as: leadAs,
          body: { locale: 'sv' },
        })
      ).statusCode,
    ).toBe(200);
    const team = await api(t.app, 'POST', '/api/v1/teams', {
      as: ownerAs,
      body: {
        name: 'Specialists',
        kind: 'tier',
        members: [
          { userId: lead.id, lead: true },
          { userId: agent.id, lead: true },
        ],
      },
    });
    expect(team.statusCode, JSON.stringify(team.body)).toBe(201);
    const customer = `eva-${workspace.slug}@customer.test`;
    const conversationId = await customerWrites({
      from: customer,
      to: address,
      subject: 'Database down',
      text: 'Nothing works since this morning.',
    });
    await waitFor(() => expect(mta.mailsTo(customer)).toHaveLength(1)); // the acknowledgement
    const escalated = await api(t.app, 'POST', `/api/v1/conversations/${conversationId}/escalate`, {
      as: agentAs,
      body: { teamId: team.body.id, note: 'Needs the database people' },
    });
    expect(escalated.statusCode, JSON.stringify(escalated.body)).toBe(200);
    const [mail] = await waitFor(() => {
      const list = mta.mailsTo(lead.email);
      expect(list).toHaveLength(1);
      return list;
    });
    const { number } = await t.services.db
      .selectFrom('conversations')
      .select('number')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(mail?.mail.subject).toBe(
      `[#${String(number)}] Eskalerad till Specialists: Database down`,
    );
    expect(mail?.mail.text).toContain('Ola Agent eskalerade konversation');
    expect(mail?.mail.text).toContain('Nothing works since this morning.');
    // The agent who escalated leads the team too, and is not told of their own act.
    await settled(workspace.id);
    expect(mta.mailsTo(agent.email)).toHaveLength(0);
  });

  it('finds the reply address in Delivered-To when a provider webhook files the mail; RCPT takes plus addresses of configured mailboxes only', async () => {
    const { workspace, ownerAs, address, agent } = await setup();
    const conversationId = await customerWrites({
      from: `ana-${workspace.slug}@customer.test`,
      to: address,
      subject: 'Pedido',
      text: 'Hola',
    });
    const { number } = await t.services.db
      .selectFrom('conversations')
      .select('number')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    const mailbox = await t.services.db
      .selectFrom('mailboxes')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .executeTakeFirstOrThrow();
    const rotated = await api(t.app, 'POST', `/api/v1/mailboxes/${mailbox.id}/webhook-secret`, {
      as: ownerAs,
    });
    const replyTo = replyAddress(t.config.secretKey, {
      workspaceId: workspace.id,
      mailboxAddress: address,
      number,
      userId: agent.id,
    });
    const raw =
      `Delivered-To: ${replyTo}\r\nTo: Acme <${address}>\r\nFrom: ${agent.email}\r\n` +
      `Subject: Re: Pedido\r\nMessage-ID: <hooked-${workspace.slug}@example.com>\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n\r\nEnviado hoy.\r\n';
    const posted = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailboxes/${mailbox.id}/inbound`,
      headers: {
        'content-type': 'message/rfc822',
        authorization: `Bearer ${String(rotated.body.secret)}`,
      },
      payload: raw,
    });
    expect(posted.statusCode).toBe(202);
    expect(await inboundRow(`hooked-${workspace.slug}@example.com`)).toMatchObject({
      status: 'processed',
      conversationId,
    });
    expect((await messagesOf(conversationId)).at(-1)).toMatchObject({
      kind: 'outbound',
      authorId: agent.id,
      text: 'Enviado hoy.',
    });
    await expect(
      flow.mailer().sendMail({
        from: agent.email,
        to: `nobody+n-${'a'.repeat(28)}@acme.test`,
        subject: 'x',
        text: 'x',
      }),
    ).rejects.toThrow(/550/);
  });
});
