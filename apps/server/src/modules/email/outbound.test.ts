import { sql } from 'kysely';
import { createTransport } from 'nodemailer';
import { describe, expect, it, vi } from 'vitest';
import { api, useTestApp } from '../../test/harness.js';
import { buildWorkspace, tokenFor } from '../../test/factories.js';
import { recordEvent } from '../../platform/outbox.js';
import { appendMessage, ingest } from '../conversations/ingest.js';
import { numberTag, outboundSubject, references, relayTransport } from './outbound.js';
import { sendEmail, sendEmailJob } from './send.job.js';
import { MTA_LOGIN, useMailFlow, useRecipientMta } from '../../test/mail.js';

const t = useTestApp();
const flow = useMailFlow(t);

const mta = useRecipientMta();
const { rcptAttempts } = mta;
const mailsTo = (address: string) => mta.mailsTo(address);

const customerMail = (mail: Parameters<ReturnType<typeof createTransport>['sendMail']>[0]) =>
  createTransport({
    host: '127.0.0.1',
    port: flow.smtp.port,
    secure: false,
    ignoreTLS: true,
  }).sendMail(mail);

const waitFor = <T>(check: () => Promise<T> | T, timeout = 15_000) =>
  vi.waitFor(check, { timeout, interval: 100 });

async function setup(options: { transport?: boolean; mailbox?: boolean } = {}) {
  const { workspace, owner } = await buildWorkspace(t.services);
  const as = await tokenFor(t.services, owner);
  const address = `support-${workspace.slug}@acme.test`;
  let mailbox: { id: string } | null = null;
  if (options.mailbox !== false) {
    const created = await api(t.app, 'POST', '/api/v1/mailboxes', {
      as,
      body: {
        name: 'Support',
        address,
        displayName: 'Acme Support',
        signature: 'Acme Support <team>\nhttps://acme.test',
        ...(options.transport === false
          ? {}
          : {
              transport: {
                host: '127.0.0.1',
                port: mta.port,
                user: MTA_LOGIN.user,
                password: MTA_LOGIN.password,
              },
            }),
      },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    mailbox = created.body as { id: string };
  }
  return { workspace, as, address, mailbox };
}

async function messagesOf(conversationId: string) {
  return t.services.db
    .selectFrom('messages')
    .select(['id', 'seq', 'kind', 'authorType', 'text', 'deliveryStatus', 'metadata'])
    .where('conversationId', '=', conversationId)
    .orderBy('seq')
    .execute();
}

async function conversationsOf(workspaceId: string) {
  return t.services.db
    .selectFrom('conversations')
    .select(['id', 'number', 'subject', 'messageCount'])
    .where('workspaceId', '=', workspaceId)
    .orderBy('number')
    .execute();
}

/** A conversation from a customer's mail, without an acknowledgement (marked automatic). */
async function quietConversation(workspaceId: string, mailboxId: string | null, from: string) {
  const messageId = `${from.replace(/@.*/, '')}-1@customer.test`;
  return ingest(t.services.db, {
    workspaceId,
    channel: 'email',
    from: { kind: 'email', value: from, name: 'Customer' },
    subject: 'Order 77',
    text: 'Where is my order?',
    externalId: messageId,
    ownThreadKeys: [messageId],
    automated: true,
    metadata: { mailboxId, messageId },
  });
}

const messageRow = (messageId: string) =>
  t.services.db
    .selectFrom('messages')
    .select(['deliveryStatus', 'metadata'])
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow();

async function waitForStatus(messageId: string, status: string, timeout = 15_000) {
  return waitFor(async () => {
    const row = await messageRow(messageId);
    expect(row.deliveryStatus).toBe(status);
    return row;
  }, timeout);
}

/**
 * An agent's reply, through the API, in a quiet conversation of a customer whose address
 * starts with `prefix` (how the test MTA answers it: `gone-`, `busy-`, `full-`).
 */
async function replyToCustomer(prefix: string, text: string) {
  const { workspace, as, mailbox } = await setup();
  const customer = `${prefix}-${workspace.slug}@customer.test`;
  const started = await quietConversation(workspace.id, mailbox?.id ?? null, customer);
  const reply = await api(
    t.app,
    'POST',
    `/api/v1/conversations/${started.conversationId}/messages`,
    { as, body: { kind: 'reply', text } },
  );
  return { workspace, as, customer, started, id: reply.body.id as string };
}

/** The conversation's messages show the reply failed, with the server's code, to agents. */
async function expectShownFailed(
  conversationId: string,
  as: Awaited<ReturnType<typeof setup>>['as'],
  id: string,
  code: string,
) {
  const listed = await api(t.app, 'GET', `/api/v1/conversations/${conversationId}/messages`, {
    as,
  });
  expect(listed.body.data).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        id,
        deliveryStatus: 'failed',
        deliveryError: expect.stringContaining(code) as unknown,
      }),
    ]),
  );
}

describe('email out over SMTP', () => {
  it('delivers the acknowledgement of a mail that came in: number in the subject, automatic, threaded', async () => {
    const { workspace, address } = await setup();
    const customer = `kasia-${workspace.slug}@customer.test`;
    await customerMail({
      from: `Kasia Nowak <${customer}>`,
      to: address,
      subject: 'Zamówienie nie dotarło',
      text: 'Dzień dobry, moje zamówienie nie dotarło.',
      messageId: `<order-${workspace.slug}@customer.test>`,
    });
    const [delivered] = await waitFor(() => {
      const list = mailsTo(customer);
      expect(list).toHaveLength(1);
      return list;
    });
    const [conversation] = await conversationsOf(workspace.id);
    const mail = delivered?.mail;
    expect(delivered?.user).toBe('parley');
    expect(mail?.subject).toContain(`[#${String(conversation?.number)}]`);
    expect(mail?.subject?.match(/\[#?\d+\]/g)).toHaveLength(1);
    expect(mail?.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail?.headers.get('x-auto-response-suppress')).toBe('All');
    expect(mail?.inReplyTo).toBe(`<order-${workspace.slug}@customer.test>`);
    expect(mail?.from?.value[0]).toMatchObject({ name: 'Acme Support', address });
    expect(mail?.text).toContain(`#${String(conversation?.number)}`);
    expect(mail?.text).not.toContain('https://acme.test'); // no signature on automatic mail
    const messages = await messagesOf(conversation?.id ?? '');
    const ack = messages[1];
    expect(ack).toMatchObject({ kind: 'outbound', authorType: 'system' });
    const ackRow = await waitForStatus(ack?.id ?? '', 'sent');
    expect(`<${String(ackRow.metadata.messageId)}>`).toBe(mail?.messageId);
    expect(ackRow.metadata.smtpResponse).toMatch(/^250/);
    expect(ackRow.metadata).not.toHaveProperty('sending');
  });

  it('delivers an agent reply (threaded, signed, HTML + text); the answer comes back to the same conversation; notes stay inside', async () => {
    const { workspace, as, address } = await setup();
    const customer = `erik-${workspace.slug}@customer.test`;
    const customerId = `<faktura-${workspace.slug}@customer.test>`;
    await customerMail({
      from: customer,
      to: address,
      subject: 'Faktura',
      text: 'Hej, fakturan är fel.',
      messageId: customerId,
    });
    await waitFor(() => expect(mailsTo(customer)).toHaveLength(1)); // the acknowledgement
    const [conversation] = await conversationsOf(workspace.id);
    const id = conversation?.id ?? '';
    const note = await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
      as,
      body: { kind: 'note', text: 'Internal: check the invoice <secret>' },
    });
    expect(note.statusCode).toBe(201);
    expect(note.body.deliveryStatus).toBeNull();
    const reply = await api(t.app, 'POST', `/api/v1/conversations/${id}/messages`, {
      as,
      body: { kind: 'reply', text: 'Hej Erik,\nvi rättar fakturan <idag> & skickar den.' },
    });
    expect(reply.statusCode).toBe(201);
    expect(reply.body.deliveryStatus).toBe('queued');
    const mail = await waitFor(() => {
      const list = mailsTo(customer);
      expect(list).toHaveLength(2);
      return list[1]?.mail;
    });
    expect(mail?.subject).toBe(`Re: Faktura [#${String(conversation?.number)}]`);
    expect(mail?.inReplyTo).toBe(customerId);
    expect(mail?.references).toContain(customerId);
    expect(mail?.headers.has('auto-submitted')).toBe(false);
    expect(mail?.text).toContain('vi rättar fakturan <idag> & skickar den.');
    expect(mail?.text).toContain('-- \nAcme Support <team>\nhttps://acme.test');
    expect(mail?.html).toContain('Hej Erik,<br>');
    expect(mail?.html).toContain('&lt;idag&gt; &amp; skickar');
    expect(mail?.html).toContain('Acme Support &lt;team&gt;');
    await waitForStatus(reply.body.id as string, 'sent');
    const listed = await api(t.app, 'GET', `/api/v1/conversations/${id}/messages`, { as });
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: reply.body.id, deliveryStatus: 'sent' }),
      ]),
    );
    const events = await t.services.db
      .selectFrom('outboxEvents')
      .select('data')
      .where('workspaceId', '=', workspace.id)
      .where('type', '=', 'message.delivery_changed')
      .execute();
    expect(events.map((e) => e.data)).toContainEqual(
      expect.objectContaining({ messageId: reply.body.id, deliveryStatus: 'sent' }),
    );

    // The customer answers our reply, without the number in the subject.
    await customerMail({
      from: customer,
      to: address,
      subject: 'Tack!',
      text: 'Tack, det ser bra ut.',
      inReplyTo: mail?.messageId ?? '',
      references: [customerId, mail?.messageId ?? ''],
      messageId: `<tack-${workspace.slug}@customer.test>`,
    });
    await waitFor(async () => {
      const list = await conversationsOf(workspace.id);
      expect(list).toHaveLength(1);
      const messages = await messagesOf(id);
      expect(messages.filter((m) => m.kind === 'inbound').map((m) => m.text.trim())).toEqual([
        'Hej, fakturan är fel.',
        'Tack, det ser bra ut.',
      ]);
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsTo(customer)).toHaveLength(2);
    expect(mailsTo(customer).some((r) => r.mail.text?.includes('Internal'))).toBe(false);
  });

  it('puts the agent’s own signature (profile) before the mailbox’s on their replies', async () => {
    const { workspace, as, address } = await setup();
    const customer = `sig-${workspace.slug}@customer.test`;
    await customerMail({ from: customer, to: address, subject: 'Hello', text: 'Hi there.' });
    await waitFor(() => expect(mailsTo(customer)).toHaveLength(1));
    const [conversation] = await conversationsOf(workspace.id);
    await t.services.db
      .updateTable('users')
      .set({ signature: 'Ada Lovelace\nSecond line' })
      .where('workspaceId', '=', workspace.id)
      .execute();
    await api(t.app, 'POST', `/api/v1/conversations/${conversation?.id ?? ''}/messages`, {
      as,
      body: { kind: 'reply', text: 'Thanks!' },
    });
    const mail = await waitFor(() => {
      const list = mailsTo(customer);
      expect(list).toHaveLength(2);
      return list[1]?.mail;
    });
    expect(mail?.text).toContain(
      'Thanks!\n\n-- \nAda Lovelace\nSecond line\n\nAcme Support <team>\nhttps://acme.test',
    );
  });

  it('marks a message failed at once on a 5xx, with the reason, for agents to see', async () => {
    const { customer, started, as, id } = await replyToCustomer('gone', 'Your order ships today.');
    const row = await waitForStatus(id, 'failed');
    expect(row.metadata.deliveryError).toMatch(/^550 5\.1\.1 .*no such user/);
    expect(row.metadata.sendAttempts).toBe(1);
    await expectShownFailed(started.conversationId, as, id, '550');
    const pending = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs
       where key = ${`email-send:${id}`}`.execute(t.services.db);
    expect(pending.rows[0]?.n).toBe(0);
    expect(rcptAttempts.get(customer)).toBe(1);
    expect(mailsTo(customer)).toHaveLength(0);
  });

  it('retries a 4xx with backoff, then sends once', async () => {
    const { workspace, customer, id } = await replyToCustomer('busy', 'Second try.');
    const row = await waitForStatus(id, 'sent', 30_000);
    expect(row.metadata.sendAttempts).toBe(2);
    expect(row.metadata.lastDeliveryError).toMatch(/^451/);
    expect(rcptAttempts.get(customer)).toBe(2);
    expect(mailsTo(customer)).toHaveLength(1);
    expect(mailsTo(customer)[0]?.mail.inReplyTo).toBe(`<busy-${workspace.slug}-1@customer.test>`);
  });

  it('gives up after the last attempt: failed with the server’s reason, for agents to see', async () => {
    const { workspace, as, customer, started, id } = await replyToCustomer(
      'full',
      'Paczka wyszła wczoraj.',
    );
    // The first try meets a temporary refusal and is retried later…
    await vi.waitFor(
      async () => {
        const row = await messageRow(id);
        expect(row.metadata.lastDeliveryError).toMatch(/^452/);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect((await messageRow(id)).deliveryStatus).toBe('queued');
    // …and the last one gives up (run here rather than after hours of backoff).
    await sendEmail(
      t.services,
      { workspaceId: workspace.id, messageId: id },
      { attempt: sendEmailJob.maxAttempts, log: t.services.log, jobId: 'last' },
    );
    const row = await messageRow(id);
    expect(row.deliveryStatus).toBe('failed');
    expect(row.metadata.deliveryError).toMatch(/^452 4\.2\.2 .*Mailbox full/);
    await expectShownFailed(started.conversationId, as, id, '452');
    expect(mailsTo(customer)).toHaveLength(0);
  });

  it('sends the files an agent attaches to a reply; a note keeps its own inside; bad files are refused', async () => {
    const { workspace, as, mailbox } = await setup();
    const customer = `pliki-${workspace.slug}@customer.test`;
    const started = await quietConversation(workspace.id, mailbox?.id ?? null, customer);
    const url = `/api/v1/conversations/${started.conversationId}/messages`;
    const pdf = Buffer.from('%PDF-1.4 faktura korygująca');
    const reply = await api(t.app, 'POST', url, {
      as,
      body: {
        kind: 'reply',
        text: 'W załączniku faktura korygująca.',
        attachments: [
          {
            filename: 'faktura korygująca.pdf',
            contentType: 'application/pdf',
            content: pdf.toString('base64'),
          },
          { filename: '<script>.txt', content: Buffer.from('hej').toString('base64') },
        ],
      },
    });
    expect(reply.statusCode, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.attachments).toEqual([
      expect.objectContaining({
        filename: 'faktura korygująca.pdf',
        contentType: 'application/pdf',
        size: pdf.length,
      }),
      expect.objectContaining({
        filename: '<script>.txt',
        contentType: 'application/octet-stream',
      }),
    ]);
    await waitForStatus(reply.body.id as string, 'sent');
    const [mail] = mailsTo(customer);
    expect(mail?.mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['faktura korygująca.pdf', pdf.toString()],
      ['<script>.txt', 'hej'],
    ]);
    // A note's file stays with the conversation; nothing goes out.
    const note = await api(t.app, 'POST', url, {
      as,
      body: {
        kind: 'note',
        text: 'Skan zamówienia dla działu finansów.',
        attachments: [{ filename: 'skan.png', contentType: 'image/png', content: 'iVBORw0KGgo=' }],
      },
    });
    expect(note.statusCode).toBe(201);
    const file = await api(
      t.app,
      'GET',
      `/api/v1/conversations/${started.conversationId}/attachments/${note.body.attachments[0].blobKey as string}`,
      { as },
    );
    expect(file.statusCode).toBe(200);
    expect(mailsTo(customer)).toHaveLength(1);
    // Bad files: not base64, not whole base64, over the upload limit together.
    const refuse = async (content: string, code: string, status: number) => {
      const res = await api(t.app, 'POST', url, {
        as,
        body: { kind: 'reply', text: 'x', attachments: [{ filename: 'a.bin', content }] },
      });
      expect(res.statusCode, content.slice(0, 20)).toBe(status);
      expect(res.body.error.code).toBe(code);
    };
    await refuse('not base64!', 'validation_failed', 400);
    await refuse('abcde', 'validation_failed', 400);
    const limit = t.services.config.maxUploadBytes;
    await refuse(Buffer.alloc(limit + 3).toString('base64'), 'payload_too_large', 413);
    const messages = await api(t.app, 'GET', url, { as });
    expect(messages.body.data).toHaveLength(3); // the customer's, the reply, the note
  });

  it('sends attachments from the file store, and never twice once sent', async () => {
    const { workspace, mailbox } = await setup();
    const customer = `files-${workspace.slug}@customer.test`;
    const started = await quietConversation(workspace.id, mailbox?.id ?? null, customer);
    const blob = await t.services.blobs.put(Buffer.from('%PDF-1.4 faktura'));
    const stored = await t.services.db.transaction().execute(async (trx) => {
      const message = await appendMessage(trx, {
        workspaceId: workspace.id,
        conversationId: started.conversationId,
        kind: 'outbound',
        authorType: 'user',
        authorId: null,
        channel: 'email',
        text: 'The invoice is attached.',
        html: '<p>The invoice is <b>attached</b>.</p>',
        externalId: null,
        attachments: [
          { blobKey: blob.key, filename: 'faktura.pdf', contentType: 'application/pdf', size: 16 },
        ],
        metadata: {},
        at: new Date(),
        deliveryStatus: 'queued',
      });
      await recordEvent(trx, {
        workspaceId: workspace.id,
        aggregateType: 'conversation',
        aggregateId: started.conversationId,
        type: 'message.created',
        data: { messageId: message.id, seq: message.seq, kind: 'outbound' },
      });
      return message;
    });
    await waitForStatus(stored.id, 'sent');
    const mail = mailsTo(customer)[0]?.mail;
    expect(mail?.html).toContain('<p>The invoice is <b>attached</b>.</p>');
    expect(mail?.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['faktura.pdf', '%PDF-1.4 faktura'],
    ]);
    // A run after a crash, or a second job for the same message: nothing is sent again.
    await sendEmail(
      t.services,
      { workspaceId: workspace.id, messageId: stored.id },
      { log: t.services.log, attempt: 1, jobId: 'again' },
    );
    expect(mailsTo(customer)).toHaveLength(1);
  });

  it('fails with a clear reason without a transport or without a mailbox; SMTP_RELAY_URL stands in for a transport', async () => {
    const none = await setup({ transport: false });
    const noTransport = await quietConversation(
      none.workspace.id,
      none.mailbox?.id ?? null,
      `nobody-${none.workspace.slug}@customer.test`,
    );
    const first = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${noTransport.conversationId}/messages`,
      { as: none.as, body: { kind: 'reply', text: 'Hello?' } },
    );
    const failed = await waitForStatus(first.body.id as string, 'failed');
    expect(failed.metadata.deliveryError).toMatch(/no outbound transport configured/i);

    const bare = await setup({ mailbox: false });
    const noMailbox = await quietConversation(
      bare.workspace.id,
      null,
      `nobody-${bare.workspace.slug}@customer.test`,
    );
    const second = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${noMailbox.conversationId}/messages`,
      { as: bare.as, body: { kind: 'reply', text: 'Hello?' } },
    );
    const noBox = await waitForStatus(second.body.id as string, 'failed');
    expect(noBox.metadata.deliveryError).toMatch(/no mailbox/i);

    t.services.config.smtpRelayUrl = `smtp://parley:${encodeURIComponent(MTA_LOGIN.password)}@127.0.0.1:${String(mta.port)}`;
    try {
      const customer = `relayed-${none.workspace.slug}@customer.test`;
      const relayed = await quietConversation(
        none.workspace.id,
        none.mailbox?.id ?? null,
        customer,
      );
      const third = await api(
        t.app,
        'POST',
        `/api/v1/conversations/${relayed.conversationId}/messages`,
        { as: none.as, body: { kind: 'reply', text: 'Through the relay.' } },
      );
      await waitForStatus(third.body.id as string, 'sent');
      expect(mailsTo(customer)[0]?.user).toBe('parley');
    } finally {
      t.services.config.smtpRelayUrl = null;
    }
  });
});

describe('outbound mail pieces', () => {
  it('keeps exactly one number tag, adds Re: once, trims References, reads relay URLs', () => {
    expect(numberTag('#', 1042)).toBe('[#1042]');
    expect(numberTag('PRL-', 1042)).toBe('[#PRL-1042]');
    expect(outboundSubject({ subject: 'Faktura', reply: true, prefix: '#', number: 7 })).toBe(
      'Re: Faktura [#7]',
    );
    expect(
      outboundSubject({
        subject: 'Re: [#7] Faktura [#12]',
        reply: true,
        prefix: 'PRL-',
        number: 7,
      }),
    ).toBe('Re: Faktura [#PRL-7]');
    expect(
      outboundSubject({ subject: '[#7] We received it', reply: false, prefix: '#', number: 7 }),
    ).toBe('We received it [#7]');
    const ids = Array.from({ length: 30 }, (_, i) => `m${i}@x`);
    const trimmed = references(ids);
    expect(trimmed).toHaveLength(20);
    expect(trimmed[0]).toBe('m0@x');
    expect(trimmed.at(-1)).toBe('m29@x');
    expect(relayTransport('smtp://u%40x:p%3Aw@relay.example:2525')).toEqual({
      host: 'relay.example',
      port: 2525,
      secure: false,
      user: 'u@x',
      password: 'p:w',
    });
    expect(relayTransport('smtps://relay.example')).toMatchObject({ port: 465, secure: true });
  });
});

describe('bounces', () => {
  it('a DSN marks the reply failed and the address undeliverable; no conversation; the customer writing again clears it', async () => {
    const { workspace, as, address, mailbox } = await setup();
    const customer = `moved-${workspace.slug}@customer.test`;
    const opened = await quietConversation(workspace.id, mailbox?.id ?? null, customer);
    const reply = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      {
        as,
        body: { kind: 'reply', text: 'Paczka jest w drodze.' },
      },
    );
    const sent = await waitForStatus(reply.body.id as string, 'sent');
    const ourId = (sent.metadata as { messageId: string }).messageId;

    // The customer's server reports, later, that the address is gone: a DSN with a null sender.
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@customer.test>',
      `To: ${address}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <dsn-${workspace.slug}@customer.test>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.test',
      '',
      `Final-Recipient: rfc822; ${customer}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: <${ourId}>`,
      `To: ${customer}`,
      'Subject: Re: Order 77',
      '--b1--',
      '',
    ].join('\r\n');
    await createTransport({ host: '127.0.0.1', port: flow.smtp.port, ignoreTLS: true }).sendMail({
      envelope: { from: '', to: [address] },
      raw: dsn,
    });
    const failed = await waitForStatus(reply.body.id as string, 'failed');
    expect((failed.metadata as { deliveryError: string }).deliveryError).toBe(
      'Bounced (5.1.1): smtp; 550 5.1.1 user unknown',
    );
    expect(await conversationsOf(workspace.id)).toHaveLength(1);
    const filed = await t.services.db
      .selectFrom('inboundEmails')
      .select(['status', 'conversationId'])
      .where('workspaceId', '=', workspace.id)
      .execute();
    expect(filed).toEqual([{ status: 'ignored', conversationId: opened.conversationId }]);

    // The next reply fails at once instead of bouncing again.
    const next = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      {
        as,
        body: { kind: 'reply', text: 'Czy adres jest poprawny?' },
      },
    );
    const refused = await waitForStatus(next.body.id as string, 'failed');
    expect((refused.metadata as { deliveryError: string }).deliveryError).toContain(
      'bounced earlier',
    );
    expect(mailsTo(customer)).toHaveLength(1);

    // The customer writes again from the address: it works again.
    await customerMail({
      from: customer,
      to: address,
      subject: `Re: Order 77 [#${String(opened.number)}]`,
      text: 'Mój adres działa już.',
    });
    await waitFor(async () => {
      const identity = await t.services.db
        .selectFrom('contactIdentities')
        .select('undeliverableAt')
        .where('workspaceId', '=', workspace.id)
        .where('value', '=', customer)
        .executeTakeFirstOrThrow();
      expect(identity.undeliverableAt).toBeNull();
    });
    const third = await api(
      t.app,
      'POST',
      `/api/v1/conversations/${opened.conversationId}/messages`,
      {
        as,
        body: { kind: 'reply', text: 'Dziękujemy!' },
      },
    );
    await waitForStatus(third.body.id as string, 'sent');
  });
});
