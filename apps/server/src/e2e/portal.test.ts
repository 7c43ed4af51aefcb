import { createTransport } from 'nodemailer';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useRecipientMta } from '../test/mail.js';
import {
  expectAccessible,
  linkIn as linkInMail,
  queryRows,
  SCREENSHOTS,
  startAgentApp,
  type AgentApp,
} from './browser.js';

/**
 * The customer portal in Chromium against a real `parley start`: a customer writes in by
 * email, follows the acknowledgement's link, asks for a code, opens the ticket, reads it and
 * replies; the mailed magic link opens it in one step; Persian reads right to left.
 */

const mta = useRecipientMta();
let app: AgentApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  app = await startAgentApp({}, { SMTP_RELAY_URL: `smtp://127.0.0.1:${String(mta.port)}` });
  ({ browser, base } = app);
}, 120_000);

afterAll(() => app.stop());

const origin = () => new URL(base).origin;

async function newPage(locale: string, width = 1100): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(`localStorage.setItem('parley.locale', ${JSON.stringify(locale)})`);
  return page;
}

const linkIn = (text: string, path: RegExp) => linkInMail(app, text, path);
const query = <T>(text: string, values: unknown[] = []) => queryRows<T>(app, text, values);

/** The mails to `address` whose text matches, once there are at least `count`. */
function mailsTo(address: string, match: RegExp, count = 1) {
  return vi.waitFor(
    () => {
      const found = mta.mailsTo(address).filter((m) => match.test(m.mail.text ?? ''));
      if (found.length < count) throw new Error(`${String(found.length)} such mails to ${address}`);
      return found.map((m) => m.mail.text ?? '');
    },
    { timeout: 30_000, interval: 250 },
  );
}

const CUSTOMER = 'ola.nowak@example.pl';
const QUESTION =
  'Obsługa klienta to ciągłe wsparcie zapewniane klientowi podczas całej podróży klienta. Moje zamówienie 5521 nie dotarło.';

describe('customer portal', { timeout: 180_000 }, () => {
  let ticketLink = '';

  it('the acknowledgement links to the ticket; a code opens it; the customer reads and replies', async () => {
    await createTransport({ host: '127.0.0.1', port: app.smtpPort, ignoreTLS: true }).sendMail({
      from: `Ola Nowak <${CUSTOMER}>`,
      to: 'support@demo.localhost',
      subject: 'Zamówienie 5521 nie dotarło',
      text: QUESTION,
      messageId: '<portal-1@example.pl>',
    });
    const [ack = ''] = await mailsTo(CUSTOMER, /\/portal\//);
    ticketLink = linkIn(ack, /\/portal\/[a-z0-9-]+\/tickets\/\d+/);
    const number = /\/tickets\/(\d+)/.exec(ticketLink)?.[1] ?? '';

    const page = await newPage('pl');
    await page.goto(ticketLink);
    // No session yet: nothing of the ticket shows, only the way in, with the number filled in.
    await expect(page.getByTestId('portal-ticket').inputValue()).resolves.toBe(number);
    expect(await page.content()).not.toContain('5521 nie dotarło');
    await page.screenshot({ path: `${SCREENSHOTS}/portal-access-pl.png` });
    await expectAccessible(page);

    await page.getByTestId('portal-contact').fill(CUSTOMER.toUpperCase());
    await page.getByRole('button', { name: 'Wyślij mi kod' }).click();
    await page.getByTestId('portal-code').waitFor();
    const [access = ''] = await mailsTo(CUSTOMER, /\/verify#token=/);
    const code = /:\s?(\d{6})$/m.exec(access)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);

    // A wrong code is refused in the customer's language; the right one opens the ticket.
    await page.getByTestId('portal-code').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Otwórz zgłoszenie' }).click();
    await page.getByRole('alert').getByText('Ten kod jest nieprawidłowy').waitFor();
    await page.getByTestId('portal-code').fill(code);
    await page.getByRole('button', { name: 'Otwórz zgłoszenie' }).click();
    await page.getByTestId('portal-number').waitFor();
    expect(await page.getByTestId('portal-number').textContent()).toContain(number);
    expect(await page.getByTestId('portal-status').textContent()).toBe('Przyjęte');
    const messages = page.getByTestId('portal-message');
    await expect(messages.first().textContent()).resolves.toContain('ciągłe wsparcie');
    // The acknowledgement's own link to this page is a link.
    await expect(
      messages.getByRole('link', { name: new URL(ticketLink).pathname, exact: false }).count(),
    ).resolves.toBe(1);
    expect(page.url()).toBe(ticketLink);

    await page
      .getByLabel('Twoja odpowiedź')
      .fill('Dziękuję, czekam na paczkę. <script>alert(1)</script>');
    await page.getByRole('button', { name: 'Wyślij', exact: true }).click();
    await page.getByText('Odpowiedź wysłana').waitFor();
    await vi.waitFor(async () =>
      expect(await messages.last().textContent()).toContain('czekam na paczkę'),
    );
    // The reply is the customer's message on the same conversation, its text kept as text.
    const rows = await query<{ kind: string; text: string; author_type: string }>(
      `select m.kind, m.text, m.author_type from messages m
         join conversations c on c.id = m.conversation_id
        where c.number = $1 and m.text like 'Dziękuję%'`,
      [Number(number)],
    );
    expect(rows).toEqual([
      {
        kind: 'inbound',
        author_type: 'contact',
        text: 'Dziękuję, czekam na paczkę. <script>alert(1)</script>',
      },
    ]);
    await page.screenshot({ path: `${SCREENSHOTS}/portal-ticket-pl.png`, fullPage: true });
    await expectAccessible(page);

    // A reload keeps the session (the cookie).
    await page.reload();
    await page.getByTestId('portal-number').waitFor();
    // On a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= 390')).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/portal-ticket-phone-pl.png`, fullPage: true });
    await page.context().close();
  });

  it('the magic link opens the ticket at once and leaves no token in the address', async () => {
    const before = (await mailsTo(CUSTOMER, /\/verify#token=/)).length;
    const asking = await newPage('en');
    await asking.goto(ticketLink);
    await asking.getByTestId('portal-contact').fill(CUSTOMER);
    await asking.getByRole('button', { name: 'Send me a code' }).click();
    await asking.getByTestId('portal-code').waitFor();
    await asking.context().close();
    const mails = await mailsTo(CUSTOMER, /\/verify#token=/, before + 1);
    const magic = linkIn(mails.at(-1) ?? '', /\/portal\/[a-z0-9-]+\/verify#token=/);

    // Persian: the page reads right to left.
    const page = await newPage('fa');
    await page.goto(magic);
    await page.getByTestId('portal-number').waitFor();
    expect(page.url()).toBe(ticketLink);
    expect(await page.evaluate('document.documentElement.dir')).toBe('rtl');
    expect(await page.getByTestId('portal-status').textContent()).toBe('دریافت شد');
    await page.screenshot({ path: `${SCREENSHOTS}/portal-ticket-fa.png`, fullPage: true });
    await expectAccessible(page);

    // The link works once: opened again, it asks for a new code.
    const again = await newPage('zh');
    await again.goto(magic);
    await again.getByText('此验证码或链接已被使用').waitFor();
    await again.getByTestId('portal-contact').waitFor();
    expect(again.url()).not.toContain('token');
    await again.screenshot({ path: `${SCREENSHOTS}/portal-link-used-zh.png` });
    await again.context().close();
    await page.context().close();
  });

  it('an address that does not match gets the same answer and no mail', async () => {
    const number = /\/tickets\/(\d+)/.exec(ticketLink)?.[1] ?? '';
    const stranger = 'someone.else@example.com';
    const page = await newPage('sv');
    await page.goto(`${origin()}/portal/${/\/portal\/([a-z0-9-]+)\//.exec(ticketLink)?.[1] ?? ''}`);
    await page.getByTestId('portal-ticket').fill(number);
    await page.getByTestId('portal-contact').fill(stranger);
    await page.getByRole('button', { name: 'Skicka en kod' }).click();
    await page.getByTestId('portal-code').waitFor();
    await page.getByText('Om ärendet och adressen stämmer').waitFor();
    // Nothing went to the stranger (or anyone else) for it.
    await new Promise((done) => setTimeout(done, 1500));
    expect(mta.mailsTo(stranger)).toEqual([]);
    // An unknown portal address is a page that says so, not the agent app.
    await page.goto(`${origin()}/portal/demo/nowhere/else`);
    await page.getByText('Sidan finns inte').waitFor();
    await page.context().close();
  });
});
