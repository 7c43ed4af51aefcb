import { readFile } from 'node:fs/promises';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, SCREENSHOTS, signIn, startAgentApp, type AgentApp } from './browser.js';

/**
 * Two-factor sign-in in the agent app, in Chromium against a real `parley start`: set up in
 * the profile (QR code, key, code and password, the recovery codes once), then signing in
 * with the password and a code (typed in Persian digits too) or a recovery code. The user's
 * saved language applies once signed in.
 */

let app: AgentApp;
let secret = '';
let recoveryCodes: string[] = [];
const OWNER = 'owner@demo.localhost';

beforeAll(async () => {
  app = await startAgentApp();
}, 120_000);

afterAll(() => app.stop());

/** The authenticator app's code for the step `offset` steps from now. */
const codeAt = (offset: number) =>
  new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  }).generate({ timestamp: Date.now() + offset * 30_000 });

const persianDigits = (text: string) => text.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'.charAt(Number(d)));

async function newPage(locale: string): Promise<Page> {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(`localStorage.setItem('parley.locale', ${JSON.stringify(locale)})`);
  return page;
}

/** The login page up to the code step (the password was right; no session yet). */
async function passwordStep(page: Page) {
  await page.goto(`${app.base}/`);
  await page.locator('input[type=email]').fill(OWNER);
  await page.locator('input[type=password]').fill(app.password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('two-factor-code').waitFor();
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain('parley_session');
}

const lang = (page: Page) => page.evaluate('document.documentElement.lang');

describe('two-factor sign-in', { timeout: 180_000 }, () => {
  it('is set up in the profile: QR code and key, then a code and the password; recovery codes once', async () => {
    const page = await newPage('en');
    await signIn(app, page);
    const section = page.getByTestId('two-factor');
    // The set-up step in each language (Persian right-to-left), then for real in English.
    for (const locale of ['fa', 'zh', 'en']) {
      await page.getByTestId('locale-picker').selectOption(locale);
      await page.getByTestId('profile-link').click();
      await section.getByRole('button').click();
      await page.getByTestId('two-factor-secret').waitFor();
      await page.getByTestId('two-factor-qr').waitFor();
      expect(await page.evaluate('document.documentElement.dir')).toBe(
        locale === 'fa' ? 'rtl' : 'ltr',
      );
      await section.screenshot({ path: `${SCREENSHOTS}/two-factor-setup-${locale}.png` });
      if (locale !== 'en') await page.goBack();
    }
    await expectAccessible(page, '[data-testid=two-factor]');
    await page.screenshot({ path: `${SCREENSHOTS}/two-factor-setup-page-en.png`, fullPage: true });

    // The key as shown (grouped by four), typed into "the app" by hand.
    secret = ((await page.getByTestId('two-factor-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByTestId('two-factor-enable-code').fill('000000');
    await page.getByTestId('two-factor-enable-password').fill(app.password);
    await section.getByRole('button', { name: 'Turn on' }).click();
    await section.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    // The previous step's code: the current and the next are still unused for signing in.
    await page.getByTestId('two-factor-enable-code').fill(codeAt(-1));
    await section.getByRole('button', { name: 'Turn on' }).click();

    const codes = page.getByTestId('recovery-codes');
    await codes.waitFor();
    recoveryCodes = await codes.locator('li').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    // Copied and downloaded as text, with a line saying whose they are.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await section.getByRole('button', { name: 'Copy' }).click();
    await section.getByText('Copied.').waitFor();
    const clipboard = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(clipboard).toContain(OWNER);
    for (const code of recoveryCodes) expect(clipboard).toContain(code);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('parley-recovery-codes.txt');
    const file = await readFile(await download.path(), 'utf8');
    expect(file).toBe(clipboard);
    await expectAccessible(page, '[data-testid=two-factor]');
    await section.screenshot({ path: `${SCREENSHOTS}/two-factor-recovery-codes-en.png` });
    await section.getByRole('button', { name: 'I have saved them' }).click();
    await section.getByText('10 recovery codes left.').waitFor();
    // Shown once: gone from the page, and nowhere in the API.
    expect(await page.content()).not.toContain(recoveryCodes[0]);
    expect(await page.content()).not.toContain(secret);
    await section.screenshot({ path: `${SCREENSHOTS}/two-factor-on-en.png` });
    // Turning off asks for the password and a code; the form opens in place.
    await section.getByRole('button', { name: 'Turn off' }).click();
    await page.getByTestId('two-factor-manage-code').waitFor();
    await expectAccessible(page, '[data-testid=two-factor]');
    await section.screenshot({ path: `${SCREENSHOTS}/two-factor-disable-en.png` });
    await section.getByRole('button', { name: 'Turn off', expanded: true }).click();

    // Signing out and in again takes the code now.
    await page.goBack();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input[type=email]').fill(OWNER);
    await page.locator('input[type=password]').fill(app.password);
    await page.locator('button[type=submit]').click();
    const code = page.getByTestId('two-factor-code');
    await code.waitFor();
    expect(await code.getAttribute('inputmode')).toBe('numeric');
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/two-factor-code-en.png` });
    await code.fill('000000');
    await page.locator('button[type=submit]').click();
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await code.fill(codeAt(0));
    await page.locator('button[type=submit]').click();
    await page.getByTestId('list-title').waitFor();
    // The People screen tells an admin whose two-factor sign-in is on (no reset of one's own).
    await page.goto(`${app.base}/app/settings/users`);
    const own = page.getByTestId('user-row').filter({ hasText: OWNER });
    await own.getByTestId('two-factor-on').waitFor();
    expect(await own.getByRole('button', { name: /Reset two-factor/ }).count()).toBe(0);
    await page.context().close();
  });

  it('takes the code in Persian digits, and the saved language applies once signed in', async () => {
    const page = await newPage('fa');
    await passwordStep(page);
    expect(await page.evaluate('document.documentElement.dir')).toBe('rtl');
    await page.getByRole('heading', { name: 'ورود دومرحله‌ای' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/two-factor-code-fa.png` });
    await page.getByTestId('two-factor-code').fill(persianDigits(codeAt(1)));
    await page.locator('button[type=submit]').click();
    await page.getByTestId('list-title').waitFor();
    // The owner's profile says English: the Persian login page does not stick.
    await expect.poll(() => lang(page)).toBe('en');
    expect(await page.evaluate(`localStorage.getItem('parley.locale')`)).toBe('en');
    await page.context().close();
  });

  it('signs in with a recovery code, once', async () => {
    const page = await newPage('zh');
    await passwordStep(page);
    await page.screenshot({ path: `${SCREENSHOTS}/two-factor-code-zh.png` });
    await page.getByRole('button', { name: '改用恢复码' }).click();
    const code = page.getByTestId('two-factor-code');
    expect(await code.getAttribute('inputmode')).toBe('text');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/two-factor-recovery-zh.png` });
    await code.fill(recoveryCodes[0] ?? '');
    await page.locator('button[type=submit]').click();
    await page.getByTestId('list-title').waitFor();
    await page.getByTestId('profile-link').click();
    await page.getByTestId('two-factor').getByText('9 recovery codes left.').waitFor();
    await page.context().close();

    // The same recovery code does not work twice.
    const again = await newPage('en');
    await passwordStep(again);
    await again.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await again.getByTestId('two-factor-code').fill(recoveryCodes[0] ?? '');
    await again.locator('button[type=submit]').click();
    await again.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await again.context().close();
  });
});
