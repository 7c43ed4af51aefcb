import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../test/harness.js';
import { useRecipientMta } from '../test/mail.js';
import { exited, startParley, type ParleyProcess } from '../test/parley-process.js';
import { WEB_DIST } from '../web.js';

/** Screenshots a person can look at (CI keeps this folder as an artifact; see the README). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../../../artifacts/screenshots');

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

const mta = useRecipientMta();
let parley: ParleyProcess;
let databaseUrl: string;
let browser: Browser;
let base: string;
let password: string;
let smtpPort: number;

beforeAll(async () => {
  // The agent app must be built (`npm install` does it); the server serves what is there.
  execFileSync('npm', ['run', 'build', '-w', '@parley/web'], { stdio: 'ignore' });
  expect(WEB_DIST).toBeTruthy();
  databaseUrl = await createTestDatabase();
  smtpPort = await freePort();
  parley = await startParley({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    DATA_DIR: scratchDir(),
    PORT: String(await freePort()),
    SMTP_PORT: String(smtpPort),
    SMTP_RELAY_URL: `smtp://127.0.0.1:${String(mta.port)}`,
  });
  base = /Open\s+(http:\/\/\S+)/.exec(parley.banner)?.[1] ?? '';
  password = /Password\s+(\S+)/.exec(parley.banner)?.[1] ?? '';
  expect(base).toMatch(/^http/);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser.close();
  parley.child.kill('SIGINT');
  await exited(parley.child);
  await dropTestDatabase(databaseUrl);
});

/** A page in a context of its own (axe needs one; no cookies shared between tests). */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return context.newPage();
}

async function signIn(page: Page, locale = 'en') {
  // Strings, not functions: the server's TypeScript has no DOM types.
  await page.addInitScript(`localStorage.setItem('parley.locale', ${JSON.stringify(locale)})`);
  await page.goto(`${base}/`);
  await page.getByLabel(/email|e-post|ایمیل|邮箱/i).fill('owner@demo.localhost');
  await page.locator('input[type=password]').fill(password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('list-title').waitFor();
}

/** No serious or critical accessibility violations on the page as it is. */
async function expectAccessible(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
    [],
  );
}

describe('the agent app', { timeout: 120_000 }, () => {
  it('answers a mail: sign in, open the conversation, reply; the customer gets it threaded', async () => {
    await createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true }).sendMail({
      from: 'Kasia Nowak <kasia@example.pl>',
      to: 'support@demo.localhost',
      subject: 'Paczka nie dotarła',
      text: 'Dzień dobry, moja paczka nie dotarła. Co mam zrobić?',
      messageId: '<paczka-1@example.pl>',
    });
    const page = await newPage();
    await page.goto(`${base}/app/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectAccessible(page);
    await signIn(page);
    // New mail is unassigned until someone takes it.
    await page.getByRole('link', { name: /Unassigned/ }).click();
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Paczka nie dotarła' });
    await vi.waitFor(() => row.waitFor({ timeout: 2_000 }), { timeout: 20_000, interval: 500 });
    await row.click();
    await expect.poll(() => page.getByTestId('timeline').textContent()).toContain('moja paczka');
    // The demo has no routing rules: the timeline says why nobody was assigned.
    await expect
      .poll(() => page.locator('[data-kind=routing]').first().textContent(), { timeout: 15_000 })
      .toContain('Not routed: no rule matched and there is no default team');
    // The customer panel: where to reach her, and that this is her first conversation.
    const panel = page.getByRole('complementary');
    await expect.poll(() => panel.textContent()).toContain('This is their first conversation.');
    expect(await panel.textContent()).toContain('kasia@example.pl');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/conversation-en.png` });

    // `r` focuses the reply box.
    await page.locator('body').press('r');
    await expect.poll(() => page.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
    await page.getByTestId('composer').fill('Dzień dobry Kasiu, sprawdzamy to i odpiszemy dziś.');
    await page.getByTestId('send').click();
    await expect
      .poll(() => page.getByTestId('timeline').textContent())
      .toContain('sprawdzamy to i odpiszemy');

    const reply = await vi.waitFor(
      () => {
        const found = mta
          .mailsTo('kasia@example.pl')
          .find((m) => m.mail.text?.includes('sprawdzamy to'));
        if (!found) throw new Error('not delivered yet');
        return found;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(reply.mail.inReplyTo).toBe('<paczka-1@example.pl>');
    expect(reply.mail.subject).toMatch(/^Re: Paczka nie dotarła \[#\d+\]$/);
    await page.context().close();
  });

  it('searches from the keyboard: / opens it, results grouped, Enter opens the first', async () => {
    const page = await newPage();
    await signIn(page);
    await page.locator('body').press('/');
    await page.getByTestId('search-input').fill('客户服务');
    const hit = page.getByTestId('search-hit').first();
    await hit.waitFor();
    expect(await hit.locator('mark').count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/search-en.png` });
    await page.getByTestId('search-input').press('Enter');
    await page.waitForURL(/\/app\/conversations\//);
    await page.getByTestId('timeline').waitFor();
    await page.context().close();
  });

  it('assigns several conversations at once', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: /Unassigned/ }).click();
    const boxes = page.getByRole('checkbox', { name: /^Select/ });
    await vi.waitFor(async () => expect(await boxes.count()).toBeGreaterThanOrEqual(2), {
      timeout: 10_000,
    });
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByRole('status').filter({ hasText: '2 conversations updated' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/inbox-en.png` });
    await page.context().close();
  });

  it('escalates a conversation to a specialist team; the timeline says who did it, and where to', async () => {
    // A second team (the demo has one), straight into the database of the running server.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(
        `insert into teams (workspace_id, id, name, kind)
         select id, gen_random_uuid(), 'Specialists', 'tier' from workspaces where slug = 'demo'`,
      );
    } finally {
      await client.end();
    }
    const page = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: /Unassigned/ }).click();
    await page.getByTestId('conversation-row').first().click();
    await page.getByTestId('timeline').waitFor();
    await page.getByTestId('escalate-select').selectOption({ label: 'Specialists' });
    await page.getByTestId('escalate').click();
    await expect
      .poll(() => page.locator('[data-type="conversation.escalated"]').textContent(), {
        timeout: 15_000,
      })
      .toContain('Olivia Owner escalated to Specialists');
    // The team assigns by hand (a new team's strategy): it waits in its queue, and says so.
    await expect
      .poll(() => page.locator('[data-type="conversation.queued"]').last().textContent(), {
        timeout: 15_000,
      })
      .toContain('Waiting in the Specialists queue: the team assigns by hand');
    expect(await page.getByRole('complementary').textContent()).toContain('Specialists');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/escalated-en.png` });
    await page.context().close();
  });

  it('lays Persian out right to left and renders Chinese, by the language picker', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByTestId('locale-picker').selectOption('fa');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('fa');
    // The sidebar moved to the right-hand side by logical properties alone.
    const nav = await page.getByRole('navigation').boundingBox();
    expect(nav?.x ?? 0).toBeGreaterThan(640);
    await page.getByRole('link', { name: 'همه باز' }).click();
    await page.getByTestId('conversation-row').first().click();
    await page.getByTestId('timeline').waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/conversation-fa.png` });
    await page.getByRole('link', { name: /بدون مسئول/ }).click();
    await page.screenshot({ path: `${SCREENSHOTS}/inbox-fa.png` });

    await page.getByTestId('locale-picker').selectOption('zh');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('ltr');
    await expect.poll(() => page.getByTestId('list-title').textContent()).toContain('未分配');
    await page.screenshot({ path: `${SCREENSHOTS}/inbox-zh.png` });
    await page.getByTestId('conversation-row').first().click();
    await page.getByTestId('timeline').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/conversation-zh.png` });
    await page.context().close();
  });
});
