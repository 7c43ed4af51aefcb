import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '@parley/contract';
import { createTransport } from 'nodemailer';
import { describe, expect, it, vi } from 'vitest';
import { api, scratchDir, useTestApp } from '../../test/harness.js';
import { buildUser, buildWorkspace, tokenFor } from '../../test/factories.js';
import { processInboundEmail } from './process.job.js';
import { openTransport } from './mailboxes.service.js';
import { startSmtpListener } from './smtp.listener.js';
import { useMailFlow } from '../../test/mail.js';
import { readBlob } from '../../platform/blobs.js';

const t = useTestApp();
const flow = useMailFlow(t);
const mailer = () => flow.mailer();

async function setup() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const as = await tokenFor(t.services, owner);
  const address = `support-${workspace.slug}@acme.test`;
  const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
    as,
    body: {
      name: 'Support',
      address: address.toUpperCase(),
      aliases: [`help-${workspace.slug}@acme.test`],
      displayName: 'Acme Support',
      transport: { host: 'smtp.acme.test', port: 587, user: 'acme', password: 'hunter2' },
    },
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  return { workspace, as, address, mailbox: created.body as { id: string } };
}

async function conversationsOf(workspaceId: string) {
  return t.services.db
    .selectFrom('conversations')
    .select(['id', 'number', 'subject', 'messageCount', 'contactEmail'])
    .where('workspaceId', '=', workspaceId)
    .orderBy('number')
    .execute();
}

async function messagesOf(conversationId: string) {
  return t.services.db
    .selectFrom('messages')
    .select(['seq', 'kind', 'authorType', 'text', 'attachments', 'metadata'])
    .where('conversationId', '=', conversationId)
    .orderBy('seq')
    .execute();
}

const waitFor = <T>(check: () => Promise<T>) =>
  vi.waitFor(check, { timeout: 15_000, interval: 100 });

/** The workspace's conversations once there are `count` of them. */
const conversationsWhenThere = (workspaceId: string, count: number) =>
  waitFor(async () => {
    const list = await conversationsOf(workspaceId);
    expect(list).toHaveLength(count);
    return list;
  });

/** The conversation's messages once there are `count` of them. */
const messagesWhenThere = (conversationId: string, count: number) =>
  waitFor(async () => {
    const list = await messagesOf(conversationId);
    expect(list).toHaveLength(count);
    return list;
  });

describe('email in over SMTP', () => {
  it('files a mail for a mailbox, makes a conversation and acknowledges it with its number', async () => {
    const { workspace, address } = await setup();
    const info = await mailer().sendMail({
      from: 'Kasia Nowak <Kasia@Example.PL>',
      to: address,
      subject: 'Zamówienie nie dotarło',
      text: 'Dzień dobry, moje zamówienie nie dotarło.',
      html: '<p>Dzień dobry, <b>moje zamówienie</b> nie dotarło.<script>alert(1)</script></p>',
      messageId: '<order-1@example.pl>',
      attachments: [
        { filename: '../../etc/faktura.pdf', content: Buffer.from('%PDF-1.4 faktura') },
      ],
    });
    expect(info.response).toMatch(/^250/);
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    expect(conversation).toMatchObject({
      subject: 'Zamówienie nie dotarło',
      contactEmail: 'kasia@example.pl',
    });
    const messages = await messagesWhenThere(conversation?.id ?? '', 2); // the customer's mail and the acknowledgement
    expect(messages[0]?.text).toContain('moje zamówienie nie dotarło');
    expect(messages[0]?.attachments).toEqual([
      expect.objectContaining({ filename: '../../etc/faktura.pdf', size: 16 }),
    ]);
    expect(messages[0]?.attachments[0]?.blobKey).toMatch(/^[0-9a-f]{64}$/);
    expect(messages[1]).toMatchObject({ kind: 'outbound', authorType: 'system' });
    expect(messages[1]?.text).toContain(`#${String(conversation?.number)}`);
    const inbound = await t.services.db
      .selectFrom('inboundEmails')
      .select(['id', 'status', 'messageId', 'envelopeFrom', 'conversationId'])
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(inbound).toEqual([
      {
        id: expect.any(String) as string,
        status: 'processed',
        messageId: 'order-1@example.pl',
        envelopeFrom: 'kasia@example.pl',
        conversationId: conversation?.id,
      },
    ]);
    // Processed by the listener's process right away: the backstop job is gone (a worker
    // would only have taken it after 30 s).
    const backstop = await t.services.pool.query(
      'select 1 from graphile_worker._private_jobs where key = $1',
      [`email:${inbound[0]?.id ?? ''}`],
    );
    expect(backstop.rowCount).toBe(0);
  });

  it('threads replies by In-Reply-To and by the number in the subject; never acknowledges automatic mail', async () => {
    const { workspace, address } = await setup();
    await mailer().sendMail({
      from: 'erik@example.se',
      to: address,
      subject: 'Faktura',
      text: 'Hej, fakturan är fel.',
      messageId: '<faktura-1@example.se>',
    });
    const [first] = await conversationsWhenThere(workspace.id, 1);
    await mailer().sendMail({
      from: 'erik@example.se',
      to: address,
      subject: 'Re: Faktura',
      text: 'Och en sak till.',
      inReplyTo: '<faktura-1@example.se>',
      references: ['<faktura-1@example.se>'],
      messageId: '<faktura-2@example.se>',
    });
    await mailer().sendMail({
      from: 'erik@example.se',
      to: address,
      subject: `Ny fråga [#${String(first?.number)}]`,
      text: 'Samma ärende, nytt mejl.',
      messageId: '<faktura-3@example.se>',
    });
    await mailer().sendMail({
      from: 'erik@example.se',
      to: address,
      subject: 'Automatiskt svar: Faktura',
      text: 'Jag är på semester.',
      headers: { 'Auto-Submitted': 'auto-replied' },
      messageId: '<ooo@example.se>',
    });
    const list = await waitFor(async () => {
      const rows = await conversationsOf(workspace.id);
      expect(rows).toHaveLength(2);
      const ids = await t.services.db
        .selectFrom('inboundEmails')
        .select('status')
        .where('workspaceId', '=', workspace.id)
        .where('status', '=', 'processed')
        .execute();
      expect(ids).toHaveLength(4);
      return rows;
    });
    const firstMessages = await messagesOf(list[0]?.id ?? '');
    expect(firstMessages.filter((m) => m.kind === 'inbound').map((m) => m.text.trim())).toEqual([
      'Hej, fakturan är fel.',
      'Och en sak till.',
      'Samma ärende, nytt mejl.',
    ]);
    // The out-of-office opened its own conversation and got no acknowledgement.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await messagesOf(list[1]?.id ?? '')).toHaveLength(1);
  });

  it('threads by References alone, by any of several ids, and survives a loop in References', async () => {
    const { workspace, address } = await setup();
    await mailer().sendMail({
      from: 'lin@example.cn',
      to: address,
      subject: '订单',
      text: '我的订单没有到。',
      messageId: '<root@example.cn>',
    });
    await waitFor(async () => expect(await conversationsOf(workspace.id)).toHaveLength(1));
    const raw = (headers: string, body: string) =>
      mailer().sendMail({
        envelope: { from: 'lin@example.cn', to: [address] },
        raw: `From: lin@example.cn\r\nTo: ${address}\r\n${headers}Content-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
      });
    // A client that sends References but no In-Reply-To.
    await raw(
      'Subject: 回复\r\nMessage-ID: <r1@example.cn>\r\nReferences: <root@example.cn>\r\n',
      'one',
    );
    // Several ids in In-Reply-To, only the last one ours to know.
    await raw(
      'Subject: 回复\r\nMessage-ID: <r2@example.cn>\r\nIn-Reply-To: <unknown@elsewhere.example> <r1@example.cn>\r\n',
      'two',
    );
    // References that loop back to the message itself and repeat.
    await raw(
      'Subject: 回复\r\nMessage-ID: <r3@example.cn>\r\nReferences: <r3@example.cn> <root@example.cn> <r3@example.cn> <root@example.cn>\r\n',
      'three',
    );
    const [conversation] = await waitFor(async () => {
      const list = await conversationsOf(workspace.id);
      expect(list).toHaveLength(1);
      expect(list[0]?.messageCount).toBeGreaterThanOrEqual(5); // four inbound + the acknowledgement
      return list;
    });
    const inbound = (await messagesOf(conversation?.id ?? '')).filter((m) => m.kind === 'inbound');
    expect(inbound.map((m) => m.text.trim())).toEqual(['我的订单没有到。', 'one', 'two', 'three']);
  });

  it('files a colleague’s forward as the customer’s ticket, with the colleague’s words as a note', async () => {
    const { workspace, address } = await setup();
    const agent = await buildUser(t.services, {
      workspaceId: workspace.id,
      email: `jan-${workspace.slug}@acme.test`,
      name: 'Jan',
    });
    const forward = await mailer().sendMail({
      from: `Jan <${agent.email}>`,
      to: address,
      subject: 'Fwd: Zamówienie nie dotarło',
      messageId: '<fwd-1@acme.test>',
      inReplyTo: '<unrelated@mail.acme.test>',
      text: [
        'Could you take this one? She is a <b>VIP</b>.',
        '',
        '---------- Forwarded message ---------',
        'From: Kasia Nowak <kasia@example.pl>',
        'Date: Mon, 23 Nov 2026 at 10:12',
        'Subject: Zamówienie nie dotarło',
        `To: Jan <${agent.email}>`,
        '',
        'Dzień dobry, moje zamówienie nie dotarło.',
        'Pozdrawiam, Kasia',
      ].join('\n'),
    });
    expect(forward.response).toMatch(/^250/);
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    expect(conversation).toMatchObject({
      subject: 'Zamówienie nie dotarło',
      contactEmail: 'kasia@example.pl',
    });
    const messages = await messagesWhenThere(conversation?.id ?? '', 3); // the customer's mail, the note, the acknowledgement
    const byKind = (kind: string) => messages.filter((m) => m.kind === kind);
    expect(byKind('inbound')).toEqual([
      expect.objectContaining({
        authorType: 'contact',
        text: 'Dzień dobry, moje zamówienie nie dotarło.\nPozdrawiam, Kasia',
        metadata: expect.objectContaining({ forwardedBy: agent.id }) as unknown,
      }),
    ]);
    expect(byKind('note')).toEqual([
      expect.objectContaining({
        authorType: 'user',
        text: 'Could you take this one? She is a <b>VIP</b>.',
      }),
    ]);
    // The customer is told the number, as if they had written to us.
    expect(byKind('outbound')).toEqual([expect.objectContaining({ authorType: 'system' })]);
    expect(byKind('outbound')[0]?.text).toContain(`#${String(conversation?.number)}`);

    // The job run again (a retry after a crash) adds nothing.
    const inbound = await t.services.db
      .selectFrom('inboundEmails')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .executeTakeFirstOrThrow();
    await t.services.db
      .updateTable('inboundEmails')
      .set({ status: 'received' })
      .where('id', '=', inbound.id)
      .execute();
    await processInboundEmail(
      t.services,
      { workspaceId: workspace.id, inboundEmailId: inbound.id },
      { attempt: 2, last: false },
    );
    expect(await messagesOf(conversation?.id ?? '')).toHaveLength(3);

    // A customer forwarding something stays the sender of their own ticket.
    await mailer().sendMail({
      from: 'Erik <erik@example.se>',
      to: address,
      subject: 'Fwd: Fakturan',
      text: 'Se nedan.\n\n---------- Forwarded message ---------\nFrom: Ekonomi <ekonomi@example.se>\nSubject: Fakturan\n\nBetala senast fredag.',
    });
    await waitFor(async () => {
      const list = await conversationsOf(workspace.id);
      expect(list.map((c) => c.contactEmail)).toEqual(['kasia@example.pl', 'erik@example.se']);
    });
  });

  it('makes a conversation of a mail without From, Subject or Date', async () => {
    const { workspace, address } = await setup();
    await mailer().sendMail({
      envelope: { from: 'bare@example.com', to: [address] },
      raw: `To: ${address}\r\nContent-Type: text/plain\r\n\r\nHello?\r\n`,
    });
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    expect(conversation).toMatchObject({ contactEmail: 'bare@example.com', subject: '' });
    const [message] = await messagesOf(conversation?.id ?? '');
    expect(message?.text.trim()).toBe('Hello?');
  });

  it('files a mail with NUL characters, each replaced (the database cannot store one)', async () => {
    const { workspace, address } = await setup();
    await mailer().sendMail({
      envelope: { from: 'nul@example.se', to: [address] },
      raw: [
        'From: =?UTF-8?Q?Erik=00?= <nul@example.se>',
        `To: ${address}`,
        'Subject: =?UTF-8?Q?Hej=00d=C3=A5?=',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Tack=00 f=C3=B6r hj=C3=A4lpen',
        '',
      ].join('\r\n'),
    });
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    expect(conversation?.subject).toBe('Hej\ufffddå');
    const [message] = await messagesOf(conversation?.id ?? '');
    expect(message?.text.trim()).toBe('Tack\ufffd för hjälpen');
    const inbound = await t.services.db
      .selectFrom('inboundEmails')
      .select('status')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(inbound).toEqual([{ status: 'processed' }]);
  });

  it('acknowledges no list, bulk or auto-reply mail, nor mail from its own addresses', async () => {
    const { workspace, address } = await setup();
    const automatic: [string, Record<string, string>][] = [
      ['bulk@example.com', { Precedence: 'bulk' }],
      ['junk@example.com', { Precedence: 'junk' }],
      ['list@example.com', { Precedence: 'list' }],
      ['news@example.com', { 'List-Id': '<news.example.com>' }],
      ['unsubscribe@example.com', { 'List-Unsubscribe': '<mailto:leave@example.com>' }],
      ['autoreply@example.com', { 'X-Autoreply': 'yes' }],
      ['exchange@example.com', { 'X-Auto-Response-Suppress': 'All' }],
      [`help-${workspace.slug}@acme.test`, {}], // an alias of the mailbox itself: a loop
    ];
    for (const [from, headers] of automatic)
      await mailer().sendMail({ from, to: address, subject: `Auto ${from}`, text: 'x', headers });
    // A person's mail, sent last, is acknowledged: by then the others would have been too.
    await mailer().sendMail({ from: 'ola@example.pl', to: address, subject: 'Pytanie', text: 'y' });
    const list = await waitFor(async () => {
      const rows = await conversationsOf(workspace.id);
      expect(rows).toHaveLength(automatic.length + 1);
      const person = rows.find((r) => r.subject === 'Pytanie');
      expect(person?.messageCount).toBe(2);
      return rows;
    });
    await new Promise((r) => setTimeout(r, 500));
    for (const row of list.filter((r) => r.subject !== 'Pytanie')) {
      const messages = await messagesOf(row.id);
      expect(
        messages.map((m) => m.kind),
        row.subject,
      ).toEqual(['inbound']);
    }
  });

  it('refuses unknown recipients (no open relay) and oversized mail; stores a repeated Message-ID once', async () => {
    const { workspace, address } = await setup();
    const relay = await mailer()
      .sendMail({ from: 'spam@example.com', to: 'someone@elsewhere.example', text: 'x' })
      .catch((error: unknown) => error as { responseCode?: number });
    expect(relay).toMatchObject({ responseCode: 550 });
    const big = await mailer()
      .sendMail({ from: 'a@example.com', to: address, text: 'x'.repeat(300_000) })
      .catch((error: unknown) => error as { responseCode?: number });
    expect(big).toMatchObject({ responseCode: 552 });
    const mail = {
      from: 'maryam@example.ir',
      to: address,
      subject: 'پشتیبانی',
      text: 'سلام، لطفاً کمک کنید.',
      messageId: '<same@example.ir>',
    };
    await mailer().sendMail(mail);
    const again = await mailer().sendMail(mail);
    expect(again.response).toMatch(/^250/);
    await waitFor(async () => {
      const list = await conversationsOf(workspace.id);
      expect(list).toHaveLength(1);
      expect(list[0]?.subject).toBe('پشتیبانی');
    });
    const rows = await t.services.db
      .selectFrom('inboundEmails')
      .select('id')
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(rows).toHaveLength(1);
  });
});

describe('the customer’s language', () => {
  it('is read from the text, over a mail client’s Content-Language, and the acknowledgement speaks it', async () => {
    const { workspace, address } = await setup();
    await mailer().sendMail({
      from: 'ola@example.pl',
      to: address,
      subject: 'Reklamacja',
      text: 'Dzień dobry, otrzymałam uszkodzoną paczkę i chciałabym złożyć reklamację.',
      headers: { 'Content-Language': 'en-US' },
    });
    await mailer().sendMail({
      from: 'sara@example.se',
      to: address,
      subject: 'Hej',
      text: 'Tack!',
      headers: { 'Content-Language': 'sv-SE' },
    });
    const conversations = await waitFor(async () => {
      const rows = await t.services.db
        .selectFrom('conversations')
        .select(['id', 'subject', 'language'])
        .where('workspaceId', '=', workspace.id)
        .orderBy('number')
        .execute();
      expect(rows).toHaveLength(2);
      return rows;
    });
    // Polish text wins over the client's en-US; two words say too little, so the header counts.
    expect(conversations.map((c) => c.language)).toEqual(['pl', 'sv-SE']);
    const ack = await waitFor(async () => {
      const [, second] = await messagesOf(conversations[0]?.id ?? '');
      expect(second).toBeDefined();
      return second;
    });
    expect(ack?.text).toContain('Twoje zgłoszenie ma numer');
  });

  it('falls back to the mailbox’s default language when the mail says too little', async () => {
    const { workspace, as, mailbox, address } = await setup();
    const changed = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { language: 'sv' },
    });
    expect(changed.statusCode, JSON.stringify(changed.body)).toBe(200);
    await mailer().sendMail({ from: 'kort@example.se', to: address, subject: 'Hej', text: 'OK' });
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    const [, ack] = await messagesWhenThere(conversation?.id ?? '', 2);
    const language = await t.services.db
      .selectFrom('conversations')
      .select('language')
      .where('id', '=', conversation?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(language).toEqual({ language: 'sv' });
    expect(ack?.text).toContain('ärende');
  });
});

describe('mailboxes', () => {
  it('keeps secrets sealed, addresses unique across workspaces, and admins in charge', async () => {
    const { as, mailbox, address, workspace } = await setup();
    const read = await api(t.app, 'GET', `/api/v1/mailboxes/${mailbox.id}`, { as });
    expect(read.body).toMatchObject({
      address,
      aliases: [`help-${workspace.slug}@acme.test`],
      transport: { host: 'smtp.acme.test', port: 587, user: 'acme', hasPassword: true },
    });
    expect(JSON.stringify(read.body)).not.toContain('hunter2');
    const stored = await t.services.db
      .selectFrom('mailboxes')
      .select('transportSealed')
      .where('id', '=', mailbox.id)
      .executeTakeFirstOrThrow();
    expect(stored.transportSealed).not.toContain('hunter2');

    const other = await buildWorkspace(t.services);
    const taken = await api(t.app, 'POST', '/api/v1/mailboxes', {
      as: await tokenFor(t.services, other.owner),
      body: { name: 'Mine', address },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.body.error.code).toBe('address_taken');
    const bad = await api(t.app, 'POST', '/api/v1/mailboxes', {
      as,
      body: { name: 'Bad', address: 'not an address' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('keeps the stored SMTP password when the transport comes back without one; belongs to a team of its workspace', async () => {
    const { as, mailbox } = await setup();
    const transportOf = async () =>
      openTransport(
        t.services.config.secretKey,
        await t.services.db
          .selectFrom('mailboxes')
          .select(['transportSealed', 'workspaceId'])
          .where('id', '=', mailbox.id)
          .executeTakeFirstOrThrow(),
      );

    // The settings screen sends the transport back as shown: host, port, user, no password.
    const edited = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { transport: { host: 'smtp2.acme.test', port: 465, secure: true, user: 'acme' } },
    });
    expect(edited.statusCode, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.transport).toMatchObject({ host: 'smtp2.acme.test', hasPassword: true });
    expect((await transportOf())?.password).toBe('hunter2');
    // A new password replaces it; an empty one removes it.
    await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { transport: { host: 'smtp2.acme.test', port: 465, user: 'acme', password: 'n3w' } },
    });
    expect((await transportOf())?.password).toBe('n3w');
    const cleared = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { transport: { host: 'smtp2.acme.test', port: 465, user: 'acme', password: '' } },
    });
    expect(cleared.body.transport).toMatchObject({ hasPassword: false });
    expect((await transportOf())?.password).toBeUndefined();

    // A team: one of this workspace's, or none; another workspace's team is not found.
    const team = await api(t.app, 'POST', '/api/v1/teams', {
      as,
      body: { name: 'Mail team', kind: 'support' },
    });
    const withTeam = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { teamId: team.body.id },
    });
    expect(withTeam.body.teamId).toBe(team.body.id);
    const other = await buildWorkspace(t.services);
    const foreign = await api(t.app, 'POST', '/api/v1/teams', {
      as: await tokenFor(t.services, other.owner),
      body: { name: 'Theirs', kind: 'support' },
    });
    const refused = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { teamId: foreign.body.id },
    });
    expect(refused.statusCode).toBe(404);
    expect(refused.body.error.code).toBe('team_not_found');
    const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
      as,
      body: {
        name: 'Sales',
        address: `sales-${String(Date.now())}@acme.test`,
        teamId: team.body.id,
      },
    });
    expect(created.body.teamId).toBe(team.body.id);
    const none = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: { teamId: null },
    });
    expect(none.body.teamId).toBeNull();
  });
});

describe('provider webhook', () => {
  it('files raw MIME posted with the mailbox secret, once per Message-ID; refuses others', async () => {
    const { workspace, as, mailbox } = await setup();
    const rotated = await api(t.app, 'POST', `/api/v1/mailboxes/${mailbox.id}/webhook-secret`, {
      as,
    });
    expect(rotated.statusCode).toBe(201);
    const secret = rotated.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const raw =
      'From: Li Wei <li.wei@example.cn>\r\nSubject: =?UTF-8?B?6YCA5qy+?=\r\nMessage-ID: <hook-1@example.cn>\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n\r\n我想申请退款。\r\n';
    const post = (authorization?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/mailboxes/${mailbox.id}/inbound`,
        headers: {
          'content-type': 'message/rfc822',
          ...(authorization ? { authorization } : {}),
        },
        payload: raw,
      });
    expect((await post()).statusCode).toBe(401);
    expect((await post('Bearer whsec_wrong')).statusCode).toBe(403);
    const first = await post(`Bearer ${secret}`);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ duplicate: false });
    const again = await post(`Bearer ${secret}`);
    expect(again.json()).toEqual({ id: null, duplicate: true });
    const conversations = await conversationsWhenThere(workspace.id, 1);
    expect(conversations[0]).toMatchObject({ subject: '退款', contactEmail: 'li.wei@example.cn' });
    // The previous secret stops working once rotated.
    await api(t.app, 'POST', `/api/v1/mailboxes/${mailbox.id}/webhook-secret`, { as });
    expect((await post(`Bearer ${secret}`)).statusCode).toBe(403);
  });

  it('slows a burst from one sender with 429 (the provider posts it again); others pass', async () => {
    const { as, mailbox } = await setup();
    const secret = (
      await api(t.app, 'POST', `/api/v1/mailboxes/${mailbox.id}/webhook-secret`, { as })
    ).body.secret as string;
    const post = (from: string, i: number) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/mailboxes/${mailbox.id}/inbound`,
        headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${secret}` },
        payload: `From: Loop <${from}>\r\nSubject: Auto ${String(i)}\r\nMessage-ID: <loop-${String(i)}-${from}>\r\n\r\nAgain.\r\n`,
      });
    const codes: number[] = [];
    for (let i = 0; i < 61; i++) codes.push((await post('loop@example.com', i)).statusCode);
    expect(codes.slice(0, 60).every((c) => c === 202)).toBe(true);
    const slowed = await post('loop@example.com', 61);
    expect(slowed.statusCode).toBe(429);
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post('kasia@example.pl', 1)).statusCode).toBe(202);
  });
});

describe('a burst from one sender', () => {
  it('is slowed with 451 (the sender keeps the mail and retries); other senders pass', async () => {
    const { address } = await setup();
    const strict = await startSmtpListener(t.services, {
      host: '127.0.0.1',
      port: 0,
      maxBytes: 100_000,
      senderLimit: { points: 3, windowSeconds: 60 },
    });
    try {
      const send = (from: string, i: number) =>
        createTransport({ host: '127.0.0.1', port: strict.port, ignoreTLS: true })
          .sendMail({ from, to: address, subject: `Flood ${String(i)}`, text: 'x' })
          .then((info) => info.response.slice(0, 3))
          .catch((error: unknown) => String((error as { responseCode?: number }).responseCode));
      const flood = [];
      for (let i = 0; i < 4; i++) flood.push(await send('loop@example.com', i));
      expect(flood).toEqual(['250', '250', '250', '451']);
      expect(await send('someone-else@example.com', 0)).toBe('250');
    } finally {
      await strict.close();
    }
  });
});

describe('charsets', () => {
  it('decodes legacy charsets to UTF-8 and keeps the raw bytes exactly', async () => {
    const { workspace, address } = await setup();
    const mails = [
      // ISO-8859-2 (Polish), quoted-printable body; GB2312 (Chinese) in the subject and body;
      // windows-1256 (Persian/Arabic script), 8bit body.
      {
        subject: '=?ISO-8859-2?Q?Zam=F3wienie?=',
        charset: 'iso-8859-2',
        body: Buffer.from(
          '5a616df37769656e69653a20447a6965f120646f6272792c2067647a6965206a657374207061637a6b613f',
          'hex',
        ),
        text: 'Zamówienie: Dzień dobry, gdzie jest paczka?',
        subjectText: 'Zamówienie',
      },
      {
        subject: '=?GB2312?B?zcu/7g==?=',
        charset: 'gb2312',
        body: Buffer.from('ced2cfebc9eac7ebcdcbbfee', 'hex'),
        text: '我想申请退款',
        subjectText: '退款',
      },
      {
        subject: 'Salam',
        charset: 'windows-1256',
        body: Buffer.from('d3e1c7e3a120e1d8ddc7f02098e398', 'hex'),
        text: 'سلام، لطفاً کمک',
        subjectText: 'Salam',
      },
    ];
    const raws: Buffer[] = [];
    for (const [i, mail] of mails.entries()) {
      const raw = Buffer.concat([
        Buffer.from(
          `From: customer${String(i)}@example.org\r\nTo: ${address}\r\nSubject: ${mail.subject}\r\n` +
            `Message-ID: <charset-${String(i)}@example.org>\r\nMIME-Version: 1.0\r\n` +
            `Content-Type: text/plain; charset=${mail.charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
          'latin1',
        ),
        mail.body,
        Buffer.from('\r\n', 'latin1'),
      ]);
      raws.push(raw);
      await mailer().sendMail({
        envelope: { from: `customer${String(i)}@example.org`, to: [address] },
        raw,
      });
    }
    const conversations = await conversationsWhenThere(workspace.id, 3);
    for (const [i, mail] of mails.entries()) {
      const conversation = conversations.find((c) => c.subject === mail.subjectText);
      expect(conversation, mail.subjectText).toBeDefined();
      const [first] = await messagesOf(conversation?.id ?? '');
      expect(first?.text.trim()).toBe(mail.text);
      const row = await t.services.db
        .selectFrom('inboundEmails')
        .select('blobKey')
        .where('workspaceId', '=', workspace.id)
        .where('messageId', '=', `charset-${String(i)}@example.org`)
        .executeTakeFirstOrThrow();
      // The stored bytes are exactly the ones sent.
      const stored = await readBlob(t.services.blobs, row.blobKey);
      expect(stored.equals(raws[i] ?? Buffer.alloc(0))).toBe(true);
    }
  });
});

describe('STARTTLS', () => {
  it('is offered with a configured certificate, and absent without one', async () => {
    const { workspace, address } = await setup();
    const dir = scratchDir();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=mx.acme.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const secure = await startSmtpListener(t.services, {
      host: '127.0.0.1',
      port: 0,
      maxBytes: 100_000,
      tls: {
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      },
    });
    try {
      const mail = { from: 'tls@example.se', to: address, subject: 'Krypterat', text: 'Hej!' };
      const sent = await createTransport({
        host: '127.0.0.1',
        port: secure.port,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
      }).sendMail(mail);
      expect(sent.response).toMatch(/^250/);
      // The plain listener offers no STARTTLS: a client that requires it gives up.
      const refused = await createTransport({
        host: '127.0.0.1',
        port: flow.smtp.port,
        requireTLS: true,
      })
        .sendMail(mail)
        .catch((error: unknown) => error as Error);
      expect(refused).toBeInstanceOf(Error);
      await waitFor(async () => {
        const list = await conversationsOf(workspace.id);
        expect(list.map((c) => c.subject)).toEqual(['Krypterat']);
      });
    } finally {
      await secure.close();
    }
  });
});

describe('quoted history', () => {
  it('shows what the customer wrote, keeps the whole text in the message metadata', async () => {
    const { workspace, address } = await setup();
    const full = [
      'Dziękuję, paczka dotarła.',
      '',
      'W dniu 20.11.2026 o 10:00, Acme Support <support@acme.test> napisał(a):',
      '> Paczka jest w drodze.',
      '> Pozdrawiamy',
    ].join('\n');
    await mailer().sendMail({
      from: 'kasia@example.pl',
      to: address,
      subject: 'Re: Zamówienie',
      text: full,
      messageId: '<quoted-1@example.pl>',
    });
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    const [first] = await messagesOf(conversation?.id ?? '');
    expect(first?.text).toBe('Dziękuję, paczka dotarła.');
    expect((first?.metadata as { fullText?: string }).fullText?.trim()).toBe(full);
  });

  it.each([
    [
      'Gmail',
      '<div dir="ltr">Dziękuję, <b>paczka</b> dotarła.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">W dniu pt., 20 lis 2026 Acme Support napisał(a):<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Paczka jest w drodze.</blockquote></div>',
    ],
    [
      'Outlook',
      '<div dir="ltr">Dziękuję, <b>paczka</b> dotarła.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><b>Od:</b> Acme Support<br><b>Wysłano:</b> piątek</div><div>Paczka jest w drodze.</div>',
    ],
    [
      'Apple Mail',
      '<div>Dziękuję, <b>paczka</b> dotarła.<br><div><br><blockquote type="cite"><div>Paczka jest w drodze.</div></blockquote></div></div>',
    ],
  ])(
    'cuts the quoted history from %s’s HTML too; the whole mail stays at hand',
    async (_, html) => {
      const { workspace, as, address } = await setup();
      await mailer().sendMail({
        from: 'kasia@example.pl',
        to: address,
        subject: 'Re: Zamówienie',
        text: 'Dziękuję, paczka dotarła.\n\nW dniu pt., 20 lis 2026 Acme Support napisał(a):\n> Paczka jest w drodze.',
        html,
      });
      const [conversation] = await conversationsWhenThere(workspace.id, 1);
      const res = await api(
        t.app,
        'GET',
        `/api/v1/conversations/${conversation?.id ?? ''}/messages`,
        {
          as,
        },
      );
      const [message] = res.body.data as Message[];
      expect(message?.text).toBe('Dziękuję, paczka dotarła.');
      expect(message?.html).toContain('<b>paczka</b>');
      expect(message?.html).not.toContain('w drodze');
      expect(message?.original?.text).toContain('> Paczka jest w drodze.');
      expect(message?.original?.html).toContain('Paczka jest w drodze.');
      expect(message?.original?.html).not.toContain('style=');
    },
  );

  it('shows the trimmed text when the HTML does not mark its quote, and leaves unquoted HTML whole', async () => {
    const { workspace, as, address } = await setup();
    const send = (subject: string, text: string, html: string) =>
      mailer().sendMail({ from: 'kasia@example.pl', to: address, subject, text, html });
    await send(
      'Re: Faktura',
      'Proszę o fakturę.\n\nOn Fri, Nov 20, 2026 Acme Support wrote:\n> Dzień dobry',
      '<p>Proszę o fakturę.</p><p>On Fri, Nov 20, 2026 Acme Support wrote:</p><p>Dzień dobry</p>',
    );
    await send('Tabela', 'Rozmiar: M', '<table><tr><td>Rozmiar</td><td>M</td></tr></table>');
    const conversations = await conversationsWhenThere(workspace.id, 2);
    const messages = async (subject: string) => {
      const id = conversations.find((c) => c.subject === subject)?.id ?? '';
      const res = await api(t.app, 'GET', `/api/v1/conversations/${id}/messages`, { as });
      return res.body.data as Message[];
    };
    const [invoice] = await messages('Re: Faktura');
    expect(invoice).toMatchObject({ text: 'Proszę o fakturę.', html: null });
    expect(invoice?.original?.html).toContain('Dzień dobry');
    const [table] = await messages('Tabela');
    expect(table?.html).toContain('<td>Rozmiar</td>');
    expect(table?.original).toBeUndefined();
  });
});

describe('the SMTP port', () => {
  it('says in one line when it is taken', async () => {
    const error = await startSmtpListener(t.services, {
      host: '127.0.0.1',
      port: flow.smtp.port,
      maxBytes: 1000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `SMTP port ${String(flow.smtp.port)} is taken (set SMTP_PORT to another port)`,
    );
  });
});

describe('attachments and inline images', () => {
  it('serves a conversation’s files safely and points inline images at them', async () => {
    const { workspace, as, address } = await setup();
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    await mailer().sendMail({
      from: 'anna@example.pl',
      to: address,
      subject: 'Zdjęcie paczki',
      text: 'W załączniku zdjęcie.',
      html: '<p>Zobacz:</p><img src="cid:paczka@example.pl" alt="paczka"><img src="cid:unknown">',
      attachments: [
        { filename: 'paczka.png', content: png, cid: 'paczka@example.pl' },
        { filename: 'faktura "1".html', content: '<script>alert(1)</script>' },
      ],
    });
    const [conversation] = await conversationsWhenThere(workspace.id, 1);
    const messages = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${conversation?.id ?? ''}/messages`,
      {
        as,
      },
    );
    const first = messages.body.data[0] as {
      html: string;
      attachments: { blobKey: string; filename: string }[];
    };
    const image = first.attachments.find((a) => a.filename === 'paczka.png');
    const page = first.attachments.find((a) => a.filename === 'faktura "1".html');
    const url = `/api/v1/conversations/${conversation?.id ?? ''}/attachments/${image?.blobKey ?? ''}`;
    expect(first.html).toContain(`src="${url}"`);
    expect(first.html).toContain('src="cid:unknown"');

    const got = await api(t.app, 'GET', url, { as });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.response.rawPayload.equals(png)).toBe(true);
    const html = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${conversation?.id ?? ''}/attachments/${page?.blobKey ?? ''}`,
      { as },
    );
    expect(html.headers['content-type']).toBe('application/octet-stream');
    expect(html.headers['content-disposition']).toMatch(/^attachment; filename="faktura _1_.html"/);
    expect(html.headers['content-security-policy']).toContain('sandbox');

    // The same file through a conversation that does not carry it: not found.
    const other = await api(t.app, 'POST', '/api/v1/conversations', {
      as,
      body: { contact: { email: 'other@example.pl' }, subject: 'Inne', text: 'x' },
    });
    const elsewhere = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${other.body.conversation.id as string}/attachments/${image?.blobKey ?? ''}`,
      { as },
    );
    expect(elsewhere.statusCode).toBe(404);
  });
});
