import { connect, type Socket } from 'node:net';
import { createTransport } from 'nodemailer';
import { describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { admin, withDatabase } from '../../test/global-setup.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { useMailFlow } from '../../test/mail.js';

const t = useTestApp();
const flow = useMailFlow(t, { maxBytes: 20_000_000 });

async function mailbox() {
  const { workspace, owner } = await buildWorkspace(t.services);
  const address = `in-${workspace.slug}@acme.test`;
  const admin = await tokenFor(t.services, owner);
  const res = await api(t.app, 'POST', '/api/v1/mailboxes', {
    as: admin,
    body: { name: 'In', address },
  });
  expect(res.statusCode).toBe(201);
  return { workspace, address, admin };
}

const send = (address: string, raw: string | Buffer) =>
  createTransport({ host: '127.0.0.1', port: flow.smtp.port, ignoreTLS: true }).sendMail({
    envelope: { from: 'attacker@example.com', to: [address] },
    raw,
  });

async function statusesOf(workspaceId: string) {
  return t.services.db
    .selectFrom('inboundEmails')
    .select(['status', 'error'])
    .where('workspaceId', '=', workspaceId)
    .execute();
}

describe('hostile email', () => {
  it('refuses thousands of parts, deep nesting and megabytes of headers quickly, and stays up', async () => {
    const { workspace, address, admin } = await mailbox();
    const manyParts =
      'From: a@example.com\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
      Array.from(
        { length: 5000 },
        (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${String(i)}\r\n`,
      ).join('') +
      '--b--\r\n';
    let nested = 'deep\r\n';
    for (let i = 0; i < 400; i++)
      nested = `Content-Type: multipart/mixed; boundary=n${String(i)}\r\n\r\n--n${String(i)}\r\n${nested}--n${String(i)}--\r\n`;
    const deep = `From: a@example.com\r\nSubject: deep\r\n${nested}`;
    const hugeHeader = `From: a@example.com\r\nX-Junk: ${'a'.repeat(2_000_000)}\r\nSubject: junk\r\n\r\nbody\r\n`;
    const encodedWords = `From: a@example.com\r\nSubject: ${'=?UTF-8?B?5a6i5oi3?= '.repeat(5_000)}\r\n\r\nbody\r\n`;
    for (const raw of [manyParts, deep, hugeHeader, encodedWords]) await send(address, raw);
    const rows = await vi.waitFor(
      async () => {
        const list = await statusesOf(workspace.id);
        expect(list).toHaveLength(4);
        expect(list.every((r) => r.status !== 'received')).toBe(true);
        return list;
      },
      { timeout: 30_000, interval: 200 },
    );
    const failed = rows.filter((r) => r.status === 'failed').map((r) => r.error);
    expect(failed).toEqual(
      expect.arrayContaining([
        'more than 1000 MIME parts',
        'more than 50 nested multiparts',
        'headers larger than 262144 bytes',
      ]),
    );
    // Many encoded words within the limits are simply a long subject.
    expect(rows.filter((r) => r.status === 'processed')).toHaveLength(1);

    // An admin sees the failed ones, downloads them byte for byte, and can reprocess one.
    const failedList = await api(t.app, 'GET', '/api/v1/inbound-emails?status=failed', {
      as: admin,
    });
    expect(failedList.body.data).toHaveLength(3);
    const partsRow = failedList.body.data.find(
      (r: { error: string }) => r.error === 'more than 1000 MIME parts',
    ) as { id: string };
    const raw = await api(t.app, 'GET', `/api/v1/inbound-emails/${partsRow.id}/raw`, { as: admin });
    expect(raw.headers['content-type']).toContain('message/rfc822');
    expect(raw.response.rawPayload.equals(Buffer.from(manyParts))).toBe(true);
    const again = await api(t.app, 'POST', `/api/v1/inbound-emails/${partsRow.id}/reprocess`, {
      as: admin,
    });
    expect(again.statusCode).toBe(202);
    expect(again.body).toMatchObject({ status: 'received', attempts: 0 });
    await vi.waitFor(
      async () => {
        const row = await api(t.app, 'GET', '/api/v1/inbound-emails?status=failed', { as: admin });
        expect(row.body.data.map((r: { id: string }) => r.id)).toContain(partsRow.id);
      },
      { timeout: 15_000, interval: 200 },
    );
    const processed = await api(t.app, 'GET', '/api/v1/inbound-emails?status=processed', {
      as: admin,
    });
    const notFailed = await api(
      t.app,
      'POST',
      `/api/v1/inbound-emails/${(processed.body.data[0] as { id: string }).id}/reprocess`,
      { as: admin },
    );
    expect(notFailed.statusCode).toBe(409);
    const health = await api(t.app, 'GET', '/readyz');
    expect(health.statusCode).toBe(200);
  });

  it('never lets script vectors through subject, sender name, body or file names', async () => {
    const { workspace, address } = await mailbox();
    await createTransport({ host: '127.0.0.1', port: flow.smtp.port, ignoreTLS: true }).sendMail({
      from: { name: '<img src=x onerror=alert(1)>', address: 'x@example.com' },
      to: address,
      subject: '<script>alert("subject")</script>',
      html: '<p onclick="alert(1)">Hi<script>alert(2)</script><a href="javascript:alert(3)">x</a></p>',
      attachments: [
        { filename: '<svg onload=alert(4)>.html', content: '<script>alert(5)</script>' },
      ],
    });
    const conversationId = await vi.waitFor(
      async () => {
        const row = await t.services.db
          .selectFrom('conversations')
          .select('id')
          .where('workspaceId', '=', workspace.id)
          .executeTakeFirst();
        expect(row).toBeDefined();
        return row?.id ?? '';
      },
      { timeout: 15_000, interval: 100 },
    );
    const message = await t.services.db
      .selectFrom('messages')
      .select(['html', 'text'])
      .where('conversationId', '=', conversationId)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    expect(message.html).not.toMatch(/<script|onclick|onerror|javascript:/i);
    // Subject, names and file names are data (JSON strings the web app renders as text);
    // a file is stored under its content hash, its name is metadata only.
    const first = await t.services.db
      .selectFrom('messages')
      .select('attachments')
      .where('conversationId', '=', conversationId)
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    expect(first.attachments[0]?.blobKey).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** A raw SMTP conversation, one command at a time, so the database can fail mid-way. */
function smtpSession(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: ((line: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer);
      if (!match) break;
      buffer = buffer.slice(match.index + match[0].length);
      waiters.shift()?.(match[0]);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiters.push(resolve));
  return {
    greeting: reply(),
    async command(line: string) {
      const answer = reply();
      socket.write(`${line}\r\n`);
      return answer;
    },
    close: () => socket.end(),
  };
}

describe('database down during DATA', () => {
  it('answers 451 so the sender keeps the mail, and 250 once the database is back', async () => {
    const { workspace, address } = await mailbox();
    const database = new URL(t.databaseUrl).pathname.slice(1);
    const session = smtpSession(flow.smtp.port);
    expect(await session.greeting).toMatch(/^220/);
    expect(await session.command('EHLO tester')).toMatch(/^250/);
    expect(await session.command('MAIL FROM:<customer@example.com>')).toMatch(/^250/);
    expect(await session.command(`RCPT TO:<${address}>`)).toMatch(/^250/);
    expect(await session.command('DATA')).toMatch(/^354/);
    // The database goes away: no new connections, existing ones cut.
    await admin(withDatabase(t.databaseUrl, 'postgres'), async (client) => {
      await client.query(`alter database ${database} allow_connections false`);
      await client.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
    });
    try {
      const answer = await session.command(
        'From: customer@example.com\r\nSubject: Down\r\nMessage-ID: <down@example.com>\r\n\r\nHello?\r\n.',
      );
      expect(answer).toMatch(/^451/);
    } finally {
      await admin(withDatabase(t.databaseUrl, 'postgres'), async (client) => {
        await client.query(`alter database ${database} allow_connections true`);
      });
      session.close();
    }
    expect(await statusesOf(workspace.id)).toEqual([]);
    // The sender retries later: now it is filed, once.
    const retried = await send(
      address,
      'From: customer@example.com\r\nSubject: Down\r\nMessage-ID: <down@example.com>\r\n\r\nHello?\r\n',
    );
    expect(retried.response).toMatch(/^250/);
    await vi.waitFor(async () => expect(await statusesOf(workspace.id)).toHaveLength(1), {
      timeout: 15_000,
      interval: 100,
    });
  });
});
