import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, useTestApp, type As } from '../../test/harness.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { startDovecot, type Dovecot } from '../../test/dovecot.js';
import { startWorker, type Worker } from '../../platform/jobs.js';
import { moduleJobs } from '../index.js';
import { pollMailbox, type PollHooks } from './imap.poll.js';

const t = useTestApp();
let worker: Worker | null = null;
let dovecot: Dovecot;

beforeAll(async () => {
  dovecot = await startDovecot();
  await t.services.outbox.start();
  // Every job but without schedules: polls happen when a test asks for one.
  worker = await startWorker({
    pool: t.services.pool,
    jobs: moduleJobs.flatMap((jobs) => jobs(t.services)).map(({ cron: _cron, ...job }) => job),
    concurrency: 2,
    log: t.services.log,
  });
});
afterAll(async () => {
  await worker?.stop();
  await dovecot.stop();
});

const waitFor = <T>(check: () => Promise<T>) =>
  vi.waitFor(check, { timeout: 15_000, interval: 100 });

const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;

function mail(props: {
  from: string;
  subject: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
}): string {
  return [
    `From: ${props.from}`,
    'To: support@acme.test',
    `Subject: ${encoded(props.subject)}`,
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    ...(props.messageId ? [`Message-ID: <${props.messageId}>`] : []),
    ...(props.inReplyTo
      ? [`In-Reply-To: <${props.inReplyTo}>`, `References: <${props.inReplyTo}>`]
      : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    props.text,
    '',
  ].join('\r\n');
}

const polish = mail({
  from: 'kasia@example.pl',
  subject: 'Zamówienie nie dotarło',
  text: 'Dzień dobry, moje zamówienie nie dotarło.',
  messageId: 'pl-1@example.pl',
});
const persian = mail({
  from: 'maryam@example.ir',
  subject: 'سفارش من کجاست؟',
  text: 'سلام، سفارش من هنوز نرسیده است.',
  messageId: 'fa-1@example.ir',
});
const chinese = mail({
  from: 'wei@example.cn',
  subject: '我的订单还没到',
  text: '你好，我的订单还没有到。',
  messageId: 'zh-1@example.cn',
});

async function setup(imap: Record<string, unknown>) {
  const { workspace, owner } = await buildWorkspace(t.services);
  const as = await tokenFor(t.services, owner);
  const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
    as,
    body: {
      name: 'Support',
      address: `support-${workspace.slug}@acme.test`,
      imap: {
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        user: dovecot.user,
        password: dovecot.password,
        ...imap,
      },
    },
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  const mailbox = created.body as { id: string };
  const poll = (hooks?: PollHooks) =>
    pollMailbox(t.services, { workspaceId: workspace.id, mailboxId: mailbox.id, hooks });
  return { workspace, as, mailbox, poll };
}

async function conversationsOf(workspaceId: string) {
  return t.services.db
    .selectFrom('conversations')
    .select(['id', 'number', 'subject', 'messageCount', 'contactEmail'])
    .where('workspaceId', '=', workspaceId)
    .orderBy('number')
    .execute();
}

async function inboundOf(workspaceId: string) {
  return t.services.db
    .selectFrom('inboundEmails')
    .select(['messageId', 'source', 'sourceRef', 'status'])
    .where('workspaceId', '=', workspaceId)
    .orderBy('id')
    .execute();
}

/** UID → whether \Seen, for every mail in a folder. */
async function folderFlags(folder: string): Promise<Map<number, boolean>> {
  const client = await dovecot.client();
  const lock = await client.getMailboxLock(folder);
  try {
    const flags = new Map<number, boolean>();
    if (client.mailbox && client.mailbox.exists > 0) {
      for (const message of await client.fetchAll('1:*', { uid: true, flags: true })) {
        flags.set(message.uid, message.flags?.has('\\Seen') ?? false);
      }
    }
    return flags;
  } finally {
    lock.release();
    await client.logout();
  }
}

async function stateOf(mailboxId: string) {
  return t.services.db
    .selectFrom('imapState')
    .selectAll()
    .where('mailboxId', '=', mailboxId)
    .executeTakeFirstOrThrow();
}

describe('email in over IMAP (a real dovecot)', () => {
  it('files new mail once, marks it seen, threads replies, and reads only what is new', async () => {
    const { workspace, as, mailbox, poll } = await setup({ folder: 'Main' });
    for (const raw of [polish, persian, chinese]) await dovecot.append('Main', raw);

    expect(await poll()).toMatchObject({ ran: true, filed: 3, duplicates: 0, error: null });
    const three = await waitFor(async () => {
      const list = await conversationsOf(workspace.id);
      expect(list).toHaveLength(3);
      return list;
    });
    expect(three.map((c) => c.subject)).toEqual([
      'Zamówienie nie dotarło',
      'سفارش من کجاست؟',
      '我的订单还没到',
    ]);
    expect(three.map((c) => c.contactEmail)).toEqual([
      'kasia@example.pl',
      'maryam@example.ir',
      'wei@example.cn',
    ]);
    expect([...(await folderFlags('Main')).values()]).toEqual([true, true, true]);
    expect((await inboundOf(workspace.id)).map((r) => r.source)).toEqual(['imap', 'imap', 'imap']);

    expect(await poll()).toMatchObject({ filed: 0, duplicates: 0, error: null });

    await dovecot.append(
      'Main',
      mail({
        from: 'erik@example.se',
        subject: 'Faktura',
        text: 'Hej, fakturan är fel.',
        messageId: 'sv-1@example.se',
      }),
    );
    await dovecot.append(
      'Main',
      mail({
        from: 'kasia@example.pl',
        subject: 'Re: Zamówienie nie dotarło',
        text: 'Nadal czekam.',
        messageId: 'pl-2@example.pl',
        inReplyTo: 'pl-1@example.pl',
      }),
    );
    // This time through the API: the route queues the poll job and the worker runs it.
    const queued = await api(t.app, 'POST', `/api/v1/mailboxes/${mailbox.id}/poll`, { as });
    expect(queued.statusCode).toBe(202);
    await waitFor(async () => {
      const list = await conversationsOf(workspace.id);
      expect(list).toHaveLength(4);
      expect(list[0]?.subject).toBe('Zamówienie nie dotarło');
      const inbound = await t.services.db
        .selectFrom('messages')
        .select('text')
        .where('conversationId', '=', list[0]?.id ?? '')
        .where('kind', '=', 'inbound')
        .orderBy('seq')
        .execute();
      expect(inbound.map((m) => m.text.trim())).toEqual([
        'Dzień dobry, moje zamówienie nie dotarło.',
        'Nadal czekam.',
      ]);
    });
    expect(await inboundOf(workspace.id)).toHaveLength(5);
    expect([...(await folderFlags('Main')).values()]).toEqual([true, true, true, true, true]);

    const read = await api(t.app, 'GET', `/api/v1/mailboxes/${mailbox.id}`, { as });
    expect(read.body.imap).toMatchObject({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      user: dovecot.user,
      hasPassword: true,
      folder: 'Main',
      moveTo: null,
      lastError: null,
    });
    expect(read.body.imap.lastPolledAt).toEqual(expect.any(String));
    expect(JSON.stringify(read.body)).not.toContain(dovecot.password);
    const stored = await t.services.db
      .selectFrom('mailboxes')
      .select('imapSealed')
      .where('id', '=', mailbox.id)
      .executeTakeFirstOrThrow();
    expect(stored.imapSealed).not.toContain(dovecot.password);
  });

  it('moves filed mail to another folder when configured', async () => {
    const { workspace, poll } = await setup({ folder: 'Moving', moveTo: 'Filed' });
    await dovecot.append('Filed', mail({ from: 'a@example.com', subject: 'old', text: 'old' }), [
      '\\Seen',
    ]);
    await dovecot.append('Moving', polish);
    await dovecot.append('Moving', persian);
    expect(await poll()).toMatchObject({ filed: 2, error: null });
    expect((await folderFlags('Moving')).size).toBe(0);
    expect((await folderFlags('Filed')).size).toBe(3);
    await waitFor(async () => expect(await conversationsOf(workspace.id)).toHaveLength(2));
    expect(await poll()).toMatchObject({ filed: 0, duplicates: 0, error: null });
  });

  it('reads a folder again after its UIDVALIDITY changed, without duplicates', async () => {
    const { workspace, mailbox, poll } = await setup({ folder: 'Recreated' });
    await dovecot.append('Recreated', polish);
    await dovecot.append('Recreated', chinese);
    expect(await poll()).toMatchObject({ filed: 2, error: null });
    const before = await stateOf(mailbox.id);

    const client = await dovecot.client();
    await client.mailboxDelete('Recreated');
    await client.logout();
    await dovecot.append('Recreated', polish);
    await dovecot.append('Recreated', chinese);
    await dovecot.append('Recreated', persian);

    expect(await poll()).toMatchObject({ filed: 1, duplicates: 2, error: null });
    const after = await stateOf(mailbox.id);
    expect(after.uidvalidity).not.toBe(before.uidvalidity);
    expect(after.lastUid).toBe(3);
    await waitFor(async () => expect(await conversationsOf(workspace.id)).toHaveLength(3));
    expect(await inboundOf(workspace.id)).toHaveLength(3);
    expect([...(await folderFlags('Recreated')).values()]).toEqual([true, true, true]);
  });

  it('loses and doubles nothing when a poll dies between filing and flagging', async () => {
    const { workspace, mailbox, poll } = await setup({ folder: 'Crash' });
    const noMessageId = mail({ from: 'anon@example.com', subject: 'Bez ID', text: 'Brak ID.' });
    await dovecot.append('Crash', polish);
    await dovecot.append('Crash', noMessageId);
    await dovecot.append('Crash', chinese);

    let calls = 0;
    const crashed = await poll({
      afterStore() {
        calls++;
        if (calls === 2) throw new Error('the poller died');
      },
    });
    expect(crashed).toMatchObject({ filed: 2, error: 'the poller died' });
    // The second mail is filed but still unseen; the third was never fetched.
    expect([...(await folderFlags('Crash')).values()]).toEqual([true, false, false]);
    expect((await stateOf(mailbox.id)).lastError).toBe('the poller died');

    expect(await poll()).toMatchObject({ filed: 1, duplicates: 1, error: null });
    expect([...(await folderFlags('Crash')).values()]).toEqual([true, true, true]);
    const rows = await inboundOf(workspace.id);
    expect(rows.map((r) => r.messageId)).toEqual(['pl-1@example.pl', null, 'zh-1@example.cn']);
    expect(rows[1]?.sourceRef).toMatch(/^imap:Crash:\d+:2$/);
    await waitFor(async () => expect(await conversationsOf(workspace.id)).toHaveLength(3));
    expect((await stateOf(mailbox.id)).lastError).toBeNull();
  });

  it('files only unseen mail on the first look at a folder, then everything new', async () => {
    const { workspace, poll } = await setup({ folder: 'History' });
    await dovecot.append('History', persian, ['\\Seen']);
    await dovecot.append('History', polish);
    expect(await poll()).toMatchObject({ filed: 1, error: null });
    await dovecot.append('History', chinese, ['\\Seen']);
    expect(await poll()).toMatchObject({ filed: 1, error: null });
    expect((await inboundOf(workspace.id)).map((r) => r.messageId)).toEqual([
      'pl-1@example.pl',
      'zh-1@example.cn',
    ]);
  });

  it('records a wrong password as the last error and keeps going', async () => {
    const { as, mailbox, poll } = await setup({ password: 'wrong-password' });
    const result = await poll();
    expect(result.error).toMatch(/login failed/i);
    const read = await api(t.app, 'GET', `/api/v1/mailboxes/${mailbox.id}`, { as });
    expect(read.body.imap.lastError).toMatch(/login failed/i);
    expect(JSON.stringify(read.body)).not.toContain('wrong-password');

    // Fixed settings: the next poll works and clears the error.
    const fixed = await api(t.app, 'PATCH', `/api/v1/mailboxes/${mailbox.id}`, {
      as,
      body: {
        imap: {
          host: dovecot.host,
          port: dovecot.port,
          user: dovecot.user,
          password: dovecot.password,
          folder: 'Fixed',
        },
      },
    });
    expect(fixed.statusCode, JSON.stringify(fixed.body)).toBe(200);
    await dovecot.append('Fixed', polish);
    expect(await poll()).toMatchObject({ filed: 1, error: null });
  });

  it('polls on request only mailboxes with IMAP settings, for admins', async () => {
    const { workspace, owner } = await buildWorkspace(t.services);
    const as: As = await tokenFor(t.services, owner);
    const plain = await api(t.app, 'POST', '/api/v1/mailboxes', {
      as,
      body: { name: 'Plain', address: `plain-${workspace.slug}@acme.test` },
    });
    expect(plain.body.imap).toBeNull();
    const refused = await api(t.app, 'POST', `/api/v1/mailboxes/${plain.body.id}/poll`, { as });
    expect(refused.statusCode).toBe(409);
    const removed = await setup({ folder: 'Gone' });
    const cleared = await api(t.app, 'PATCH', `/api/v1/mailboxes/${removed.mailbox.id}`, {
      as: removed.as,
      body: { imap: null },
    });
    expect(cleared.body.imap).toBeNull();
    expect(await removed.poll()).toMatchObject({ ran: false, filed: 0 });
  });
});
