import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../platform/blobs.js';
import { scratchDir } from '../../test/harness.js';
import { presentMessage } from '../conversations/conversations.service.js';
import { htmlWithoutQuotes, parseEmail, untrimmed, visibleText } from './parse.js';

const compose = (mail: ConstructorParameters<typeof MailComposer>[0]) =>
  new MailComposer(mail).compile().build();

describe('parsing an email', () => {
  it('keeps attachments up to the limit and names the ones it could not keep', async () => {
    const raw = await compose({
      from: 'anna@example.pl',
      to: 'support@acme.test',
      subject: 'Zdjęcia',
      text: 'W załączniku zdjęcia.',
      attachments: [
        { filename: 'small.jpg', content: Buffer.alloc(1_000, 1) },
        { filename: 'huge.mov', content: Buffer.alloc(50_000, 2) },
      ],
    });
    const parsed = await parseEmail(raw, {
      blobs: new FileBlobStore(scratchDir(), 10_000_000),
      envelopeFrom: 'anna@example.pl',
      maxAttachmentBytes: 10_000,
    });
    expect(parsed.message.attachments?.map((a) => a.filename)).toEqual(['small.jpg']);
    expect(parsed.omittedAttachments).toEqual([{ filename: 'huge.mov', size: 50_000 }]);
    // Kept in the message's metadata, and shown with the message.
    const message = presentMessage({
      id: '01900000-0000-7000-8000-000000000001',
      conversationId: '01900000-0000-7000-8000-000000000002',
      seq: 1,
      kind: 'inbound',
      authorType: 'contact',
      authorId: null,
      channel: 'email',
      text: 'W załączniku zdjęcia.',
      html: null,
      attachments: parsed.message.attachments ?? [],
      deliveryStatus: null,
      metadata: untrimmed(parsed),
      createdAt: new Date('2026-11-23T10:00:00Z'),
    });
    expect(message.omittedAttachments).toEqual([{ filename: 'huge.mov', size: 50_000 }]);
  });

  it('cuts HTML where a mail program marked the quote, and only there', () => {
    expect(htmlWithoutQuotes('<p>Tak</p><div class="gmail_quote">old</div>')).toBe('<p>Tak</p>');
    expect(htmlWithoutQuotes('<p>Tak</p><blockquote type="cite">old</blockquote>')).toBe(
      '<p>Tak</p>',
    );
    expect(htmlWithoutQuotes('<p>Tak</p><div id="divRplyFwdMsg">From:</div><p>old</p>')).toBe(
      '<p>Tak</p>',
    );
    // A quote the customer wrote on purpose stays; nothing before the marker: nothing cut.
    expect(htmlWithoutQuotes('<p>Tak</p><blockquote>cytat</blockquote>')).toBeNull();
    expect(htmlWithoutQuotes('<div class="gmail_quote">only old</div>')).toBeNull();
  });

  it('looks for the quote in linear time, whatever the HTML', () => {
    // Unclosed tags by the million: a first, backtracking version took 4 s on the second.
    for (const hostile of ['<div '.repeat(2_000_000), '<div class='.repeat(1_000_000)])
      expect(htmlWithoutQuotes(hostile)).toBeNull();
  });

  it('shows what the customer wrote without the signature or a "sent from" line', () => {
    expect(
      visibleText('Hej!\nVar är min faktura?\n\n-- \nErik Svensson\nAcme AB\n070-123 45 67'),
    ).toBe('Hej!\nVar är min faktura?');
    expect(visibleText('Dzień dobry,\npaczka nie dotarła.\n\nSent from my iPhone')).toBe(
      'Dzień dobry,\npaczka nie dotarła.',
    );
    // A text that is all signature is shown whole, not as nothing.
    expect(visibleText('-- \nErik')).toBe('-- \nErik');
  });

  it('makes sane defaults of malformed headers', async () => {
    const raw = Buffer.from(
      [
        'From: <<<not an address>>>',
        'Date: yesterday-ish',
        'Subject: =?UTF-8?B?!!!not-base64?= =?utf-8?Q?Zam=C3=B3wienie?=',
        'Message-ID: no brackets here',
        'In-Reply-To: <<>>',
        'This line has no colon',
        'Content-Type: text/plain; charset="no-such-charset"',
        '',
        'Where is my order?',
        '',
      ].join('\r\n'),
    );
    const parsed = await parseEmail(raw, {
      blobs: new FileBlobStore(scratchDir(), 10_000_000),
      envelopeFrom: 'kasia@example.pl',
      maxAttachmentBytes: 10_000,
    });
    // The envelope's sender stands in for a From that names no address.
    expect(parsed.message.from).toMatchObject({ kind: 'email', value: 'kasia@example.pl' });
    expect(parsed.message.subject).toContain('Zamówienie');
    expect(parsed.message.text?.trim()).toBe('Where is my order?');
    // `no brackets here` and `<<>>` name no message: no de-duplication or threading by them.
    expect(parsed.messageId).toBeNull();
    expect(parsed.message.threadKeys ?? []).toEqual([]);
    expect(parsed.automated).toBe(false);
  });
});
