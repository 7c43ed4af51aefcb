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
 * The account flows and the conversation tools of the agent app, in Chromium against a real
 * `parley start`: forgot password by mail, invitation acceptance, the profile (Persian turns
 * the app right-to-left), merging two conversations and splitting a message.
 */

const mta = useRecipientMta();
let app: AgentApp;
let browser: Browser;
let base: string;
let password: string;
let smtpPort: number;

beforeAll(async () => {
  // Mail Parley sends (replies, resets, invitations) reaches the recipient MTA.
  app = await startAgentApp({}, { SMTP_RELAY_URL: `smtp://127.0.0.1:${String(mta.port)}` });
  ({ browser, base, password, smtpPort } = app);
}, 120_000);

afterAll(() => app.stop());

const origin = () => new URL(base).origin;

async function newPage(width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(`localStorage.setItem('parley.locale', 'en')`);
  return page;
}

async function signIn(page: Page, email = 'owner@demo.localhost', secret = password) {
  await page.goto(`${origin()}/app/login`);
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('list-title').waitFor();
}

const linkIn = (text: string, path: RegExp) => linkInMail(app, text, path);
const query = <T>(text: string, values: unknown[] = []) => queryRows<T>(app, text, values);

/** The first mail to `address` whose text matches, once it arrived. */
function mailTo(address: string, match: RegExp) {
  return vi.waitFor(
    () => {
      const found = mta.mailsTo(address).find((m) => match.test(m.mail.text ?? ''));
      if (!found) throw new Error(`no mail to ${address} yet`);
      return found.mail;
    },
    { timeout: 30_000, interval: 250 },
  );
}

describe('account flows and conversation tools', { timeout: 180_000 }, () => {
  it('forgot password: the mailed link sets a new password once, and it signs in', async () => {
    const page = await newPage();
    await page.goto(`${origin()}/app/login`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByTestId('reset-email').fill('sven@demo.localhost');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').filter({ hasText: 'a link is on its way' }).waitFor();
    await expectAccessible(page);

    const mail = await mailTo('sven@demo.localhost', /reset-password/);
    // Sven's language is Swedish.
    expect(mail.subject).toBe('Återställ ditt lösenord för Demo Support i Parley');
    const link = linkIn(mail.text ?? '', /\/app\/reset-password\?token=/);
    await page.goto(link);
    await page.getByTestId('new-password').fill('sven-new-password-1');
    await page.getByTestId('repeat-password').fill('sven-new-password-1');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Your password was changed').waitFor();

    // The link works once.
    await page.goto(link);
    await page.getByTestId('new-password').fill('sven-other-password-2');
    await page.getByTestId('repeat-password').fill('sven-other-password-2');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('alert').filter({ hasText: 'already used' }).waitFor();

    await signIn(page, 'sven@demo.localhost', 'sven-new-password-1');
    await page.context().close();
  });

  it('accepts an invitation from the link in its mail, and signs the new agent in', async () => {
    const owner = await newPage();
    await signIn(owner);
    const invited = await owner.evaluate(`(async () => {
      const me = await (await fetch('/api/v1/me')).json();
      const res = await fetch('/api/v1/invitations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ email: 'nadia@example.com', role: 'agent' }),
      });
      return res.status;
    })()`);
    expect(invited).toBe(201);
    const mail = await mailTo('nadia@example.com', /invitations\/accept/);
    const link = linkIn(mail.text ?? '', /\/app\/invitations\/accept#token=/);

    const page = await newPage();
    await page.goto(link);
    await page.getByTestId('invite-name').fill('Nadia Karimi');
    await page.getByTestId('invite-password').fill('nadia-password-1');
    await page.getByTestId('invite-repeat').fill('nadia-password-1');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Join the workspace' }).click();
    await page.getByTestId('list-title').waitFor();
    expect(await page.getByTestId('profile-link').textContent()).toContain('Nadia Karimi');
    await owner.context().close();
    await page.context().close();
  });

  it('edits the profile: picture, signature, language — Persian turns the app right-to-left', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByTestId('profile-link').click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    // A 2×2 PNG as the picture (scaled to a square in the browser).
    await page.getByTestId('avatar-input').setInputFiles({
      name: 'me.png',
      mimeType: 'image/png',
      buffer: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
        'base64',
      ),
    });
    await page.getByTestId('avatar').waitFor();
    await page.getByLabel('Signature').fill('Olivia · Demo support');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/profile-en.png`, fullPage: true });

    await page.getByTestId('profile-language').selectOption('fa');
    await page.getByRole('button', { name: 'Save the profile' }).click();
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    await page.getByRole('heading', { name: 'نمایهٔ شما' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/profile-fa.png`, fullPage: true });
    const [saved] = await query<{ locale: string; signature: string; avatar_key: string }>(
      `select locale, signature, avatar_key from users where email = 'owner@demo.localhost'`,
    );
    expect(saved).toMatchObject({ locale: 'fa', signature: 'Olivia · Demo support' });
    expect(saved?.avatar_key).toMatch(/^[0-9a-f]{64}$/);

    await page.getByTestId('profile-language').selectOption('zh');
    await page.getByRole('button', { name: 'ذخیرهٔ نمایه' }).click();
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('ltr');
    await page.screenshot({ path: `${SCREENSHOTS}/profile-zh.png`, fullPage: true });
    await page.getByTestId('profile-language').selectOption('en');
    await page.getByRole('button', { name: '保存个人资料' }).click();
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('en');

    // Dark mode, and at phone width one column that is still complete.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${SCREENSHOTS}/profile-dark-en.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Change the password' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/profile-phone-en.png`, fullPage: true });
    await expectAccessible(page);
    await page.context().close();
  });

  it('shows script vectors from a mail as text, and runs none of them', async () => {
    const subject = '<script>window.__pwned = "subject"</script>';
    const name = '<img src=x onerror="window.__pwned = \'name\'">';
    await createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true }).sendMail({
      from: { name, address: 'mallory@example.com' },
      to: 'support@demo.localhost',
      subject,
      text: 'Zobacz <b onmouseover="x">to</b>',
      html: '<p onclick="window.__pwned = 1">Hej<script>window.__pwned = 2</script><a href="javascript:window.__pwned = 3">klik</a><img src="x" onerror="window.__pwned = 4"></p>',
      attachments: [{ filename: '<svg onload=window.__pwned=5>.html', content: 'x' }],
    });
    const [row] = await vi.waitFor(
      async () => {
        const rows = await query<{ id: string }>(
          `select id from conversations where contact_email = 'mallory@example.com'`,
        );
        expect(rows).toHaveLength(1);
        return rows;
      },
      { timeout: 30_000, interval: 500 },
    );
    const page = await newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page);
    await page.goto(`${origin()}/app/conversations/${row?.id ?? ''}`);
    // The subject, the sender's name and the file name are shown as the text they are.
    await page.getByRole('heading', { name: subject }).waitFor();
    await page.getByText(name).first().waitFor();
    await page.getByText('<svg onload=window.__pwned=5>.html').waitFor();
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('klik').hover();
    await timeline.getByText('Hej').click();
    await page.getByText(subject).first().hover();
    expect(await page.evaluate('window.__pwned === undefined')).toBe(true);
    expect(
      await timeline.locator('[onclick], [onerror], script, a[href^="javascript"]').count(),
    ).toBe(0);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it('shows a reply without its quoted history, and the whole mail on request', async () => {
    await createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true }).sendMail({
      from: 'Erik Lund <erik@example.se>',
      to: 'support@demo.localhost',
      subject: 'Re: Leverans',
      text: 'Tack, paketet kom fram.\n\nDen 20 nov. 2026 skrev Demo Support:\n> Paketet är på väg.',
      html: '<div dir="ltr">Tack, <b>paketet</b> kom fram.</div><div class="gmail_quote"><div class="gmail_attr">Den 20 nov. 2026 skrev Demo Support:</div><blockquote class="gmail_quote">Paketet är på väg.</blockquote></div>',
    });
    const [row] = await vi.waitFor(
      async () => {
        const rows = await query<{ id: string }>(
          `select id from conversations where contact_email = 'erik@example.se'`,
        );
        expect(rows).toHaveLength(1);
        return rows;
      },
      { timeout: 30_000, interval: 500 },
    );
    const page = await newPage();
    await signIn(page);
    await page.goto(`${origin()}/app/conversations/${row?.id ?? ''}`);
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('kom fram').waitFor();
    expect(await timeline.getByText('Paketet är på väg.').count()).toBe(0);
    await timeline.getByRole('button', { name: 'Show the quoted text' }).click();
    await timeline.getByText('Paketet är på väg.').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/message-quoted-en.png` });
    await timeline.getByRole('button', { name: 'Hide the quoted text' }).click();
    await vi.waitFor(async () =>
      expect(await timeline.getByText('Paketet är på väg.').count()).toBe(0),
    );
    await page.context().close();
  });

  it('merges one conversation into another and splits a message out, from the conversation pane', async () => {
    const send = (mail: Record<string, unknown>) =>
      createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true }).sendMail({
        from: 'Lin Wei <lin@example.cn>',
        to: 'support@demo.localhost',
        ...mail,
      });
    await send({
      subject: 'Order 77 missing',
      text: 'My order 77 never came.',
      messageId: '<m1@example.cn>',
    });
    await send({
      subject: 'Where is order 77?',
      text: 'Still waiting for order 77.',
      messageId: '<m2@example.cn>',
    });
    await send({
      subject: 'Re: Where is order 77?',
      text: 'Also: please change my address.',
      messageId: '<m3@example.cn>',
      inReplyTo: '<m2@example.cn>',
      references: ['<m2@example.cn>'],
    });
    const conversations = await vi.waitFor(
      async () => {
        const rows = await query<{ id: string; number: number; subject: string; messages: number }>(
          `select c.id, c.number, c.subject, (select count(*)::int from messages m
             where m.conversation_id = c.id and m.kind = 'inbound') as messages
             from conversations c where c.contact_email = 'lin@example.cn' order by c.number`,
        );
        expect(rows.map((r) => r.messages)).toEqual([1, 2]);
        return rows;
      },
      { timeout: 30_000, interval: 500 },
    );
    const [source, target] = conversations as [
      (typeof conversations)[number],
      (typeof conversations)[number],
    ];

    const page = await newPage();
    await signIn(page);
    await page.goto(`${origin()}/app/conversations/${source.id}`);
    await page.getByTestId('timeline').getByText('My order 77 never came.').waitFor();

    // The dialog in three languages (switched with the picker; no reload).
    for (const locale of ['fa', 'zh', 'en']) {
      await page.getByTestId('locale-picker').selectOption(locale);
      await page.getByTestId('merge-open').click();
      await page.getByTestId('merge-number').fill(String(target.number));
      await page.getByTestId('merge-number').press('Enter');
      await page.getByTestId('merge-warning').waitFor();
      await page.screenshot({ path: `${SCREENSHOTS}/merge-dialog-${locale}.png` });
      if (locale !== 'en') await page.keyboard.press('Escape');
    }
    expect(await page.getByTestId('merge-warning').textContent()).toContain(
      `into \u2068#${String(target.number)}\u2069 “\u2068Where is order 77?\u2069”`,
    );
    await expectAccessible(page);
    await page.getByTestId('merge-submit').click();
    await page.waitForURL(`**/conversations/${target.id}`);
    await page.getByTestId('merged-notice').waitFor();
    await page.getByTestId('timeline').getByText('My order 77 never came.').waitFor();
    // The old number's page opens the one that remains.
    await page.goto(`${origin()}/app/conversations/${source.id}`);
    await page.waitForURL(`**/conversations/${target.id}`);

    // Split the address change out into a conversation of its own.
    const message = page
      .getByTestId('timeline')
      .locator('li')
      .filter({ hasText: 'please change my address' });
    await message.getByTestId('split-open').click();
    await page
      .getByTestId('split-dialog')
      .getByLabel('Subject of the new conversation')
      .fill('Address change');
    await page.getByTestId('split-submit').click();
    await page.getByTestId('split-dialog').getByText('The message is now in').waitFor();
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.getByTestId('timeline').textContent())
      .not.toContain('please change my address');
    const [created] = await query<{ id: string; subject: string }>(
      `select id, subject from conversations where contact_email = 'lin@example.cn' and subject = 'Address change'`,
    );
    expect(created).toBeDefined();
    // Split conversations are linked; the panel lists the link with its number.
    await expect.poll(() => page.getByTestId('links').textContent()).toContain('Address change');
    // Removing a link asks first.
    await page.getByRole('button', { name: /^Remove the link to #\d+$/ }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Yes, do it' }).click();
    await expect
      .poll(() => page.getByTestId('links').textContent())
      .not.toContain('Address change');
    // Linking by number.
    await page.getByTestId('link-add').click();
    await page.getByTestId('link-number').fill(String(source.number));
    await page.getByTestId('link-number').press('Enter');
    await page.getByTestId('link-submit').click();
    await expect.poll(() => page.getByTestId('links').textContent()).toContain('Order 77 missing');

    // The customer's quick edit: name, an attribute, a phone number; removing one asks first.
    await page.getByTestId('customer-edit').click();
    await page.getByTestId('customer-name').fill('Lin Wei (VIP)');
    await page.getByRole('button', { name: 'Add an attribute' }).click();
    await page.getByLabel('Attribute', { exact: true }).last().fill('plan');
    await page.getByLabel('Value', { exact: true }).last().fill('gold');
    await page.getByLabel('Channel').selectOption('phone');
    await page.getByTestId('identity-value').fill('+46 70 123 45 67');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('customer-editor').textContent())
      .toContain('+46701234567');
    await page.getByRole('button', { name: 'Remove +46701234567' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Yes, do it' }).click();
    await expect
      .poll(() => page.getByTestId('customer-editor').textContent())
      .not.toContain('+46701234567');
    await page.screenshot({ path: `${SCREENSHOTS}/customer-edit-en.png` });
    await page.getByTestId('customer-save').click();
    const panel = page.getByRole('complementary');
    await expect.poll(() => panel.textContent()).toContain('Lin Wei (VIP)');
    // The editor closes once the saved customer is shown again.
    await page.getByTestId('customer-editor').waitFor({ state: 'detached' });
    await expect.poll(() => panel.textContent()).toContain('gold');
    await expectAccessible(page);
    await page.context().close();
  });
});
