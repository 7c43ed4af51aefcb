import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../test/harness.js';
import { exited, startParley, type ParleyProcess } from '../test/parley-process.js';
import { chromiumPath, SCREENSHOTS } from './browser.js';

let parley: ParleyProcess;
let databaseUrl: string;
let browser: Browser;
let base: string;
let widgetKey: string;
let shop: Server;
let shopBase: string;
let agent: { cookie: string; csrf: string };

/**
 * A customer's site on another origin, with CSS that would wreck any widget living in its
 * DOM, and a strict CSP that allows Parley's script and nothing inline.
 */
const shopPage = (locale: string) => `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>Sklep</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src ${base}; connect-src ${base} ${base.replace('http', 'ws')}; style-src 'self'">
<link rel="stylesheet" href="/shop.css"></head>
<body><h1>Sklep z herbatą</h1><p>Herbaty z całego świata.</p>
<script src="${base}/widget.js" data-parley-key="${widgetKey}" data-locale="${locale}" async></script>
</body></html>`;
const hostileCss =
  'button, div, p, textarea { background: rgb(255, 0, 0) !important; font-size: 40px !important; border-radius: 0 !important; } body { direction: rtl; }';

async function agentApi(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      cookie: `parley_session=${agent.cookie}`,
      'x-csrf-token': agent.csrf,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as never };
}

beforeAll(async () => {
  execFileSync('npm', ['run', 'build', '-w', '@parley/widget'], { stdio: 'ignore' });
  databaseUrl = await createTestDatabase();
  parley = await startParley({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    DATA_DIR: scratchDir(),
    PORT: String(await freePort()),
    SMTP_PORT: String(await freePort()),
  });
  base = /Open\s+(http:\/\/\S+)/.exec(parley.banner)?.[1] ?? '';
  const password = /Password\s+(\S+)/.exec(parley.banner)?.[1] ?? '';
  widgetKey = /widget-demo\/(pk_\S+)/.exec(parley.banner)?.[1] ?? '';
  expect(widgetKey).toMatch(/^pk_/);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'owner@demo.localhost', password }),
  });
  const cookie = /parley_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const me = (await login.json()) as { csrfToken: string };
  agent = { cookie, csrf: me.csrfToken };
  shop = createServer((request, response) => {
    if (request.url === '/shop.css') {
      response.writeHead(200, { 'content-type': 'text/css' }).end(hostileCss);
      return;
    }
    const locale = new URL(request.url ?? '/', 'http://x').searchParams.get('lang') ?? 'pl';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(shopPage(locale));
  });
  const shopPort = await freePort();
  await new Promise<void>((resolve) => shop.listen(shopPort, '127.0.0.1', resolve));
  shopBase = `http://127.0.0.1:${shopPort}`;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser.close();
  shop.close();
  parley.child.kill('SIGINT');
  await exited(parley.child);
  await dropTestDatabase(databaseUrl);
});

const inWidget = (page: Page) => page.locator('#parley-widget');

describe('the chat widget on a customer’s site', { timeout: 120_000 }, () => {
  it('chats with an agent: pre-chat form, ticket number, reply, unread badge, history after reload', async () => {
    expect((await agentApi('PUT', '/me/presence', { presence: 'online' })).status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${shopBase}/?lang=pl`);
    const widget = inWidget(page);
    await widget.getByTestId('parley-launcher').click();
    // The host's hostile CSS does not reach inside.
    // Strings, not functions: the server's TypeScript has no DOM types.
    const launcherBackground = await page.evaluate(
      `getComputedStyle(document.getElementById('parley-widget').shadowRoot.querySelector('.launcher')).backgroundColor`,
    );
    expect(launcherBackground).not.toBe('rgb(255, 0, 0)');

    const form = widget.getByTestId('parley-prechat');
    await form.getByLabel('Imię i nazwisko').fill('Kasia Nowak');
    await form.getByLabel('E-mail').fill('kasia@example.pl');
    await form.getByLabel('Wiadomość').fill('Dzień dobry, czy macie zieloną herbatę sencha?');
    await form.getByRole('button', { name: 'Rozpocznij czat' }).click();
    await widget.getByTestId('parley-mine').filter({ hasText: 'sencha' }).waitFor();
    // The acknowledgement carries the ticket number, shown in the header too.
    const number = await widget.locator('.head small').textContent({ timeout: 10_000 });
    expect(number).toMatch(/^#\d+$/);
    // Written by the outbox's subscriber lane, behind the demo's own start-up events: a busy
    // CI machine once took more than 15 s.
    await widget
      .getByTestId('parley-theirs')
      .filter({ hasText: number ?? '' })
      .waitFor({ timeout: 40_000 });

    const { body: list } = await agentApi('GET', '/conversations?channel=chat&limit=5');
    const conversation = (list as { data: { id: string; displayNumber: string }[] }).data.find(
      (c) => c.displayNumber === number,
    );
    expect(conversation).toBeDefined();
    const id = conversation?.id ?? '';
    await agentApi('POST', `/conversations/${id}/messages`, {
      kind: 'reply',
      text: 'Dzień dobry! Tak, mamy senchę z Shizuoki.',
    });
    await widget.getByTestId('parley-theirs').filter({ hasText: 'Shizuoki' }).waitFor();
    expect(
      await widget.getByTestId('parley-theirs').filter({ hasText: 'Shizuoki' }).textContent(),
    ).toContain('Olivia Owner');
    // A photo of the parcel: uploaded, sent, shown to the customer and stored for the agent.
    await widget.getByTestId('parley-file').setInputFiles({
      name: 'paczka.png',
      mimeType: 'image/png',
      buffer: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      ),
    });
    await widget.locator('.files li', { hasText: 'paczka.png' }).waitFor();
    await widget.getByTestId('parley-send').click();
    await widget.getByRole('img', { name: 'paczka.png' }).waitFor();
    await expect
      .poll(async () => {
        const { body } = await agentApi('GET', `/conversations/${id}/messages?limit=50`);
        return (body as { data: { attachments: { filename: string }[] }[] }).data
          .flatMap((m) => m.attachments)
          .map((a) => a.filename);
      })
      .toContain('paczka.png');
    await new AxeBuilder({ page })
      .include('#parley-widget')
      .analyze()
      .then(({ violations }) => {
        const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(bad.map((v) => v.id)).toEqual([]);
      });
    await page.screenshot({ path: `${SCREENSHOTS}/widget-pl.png` });

    // Closed: a new reply shows as an unread count on the launcher.
    await widget.getByTestId('parley-launcher').click();
    await agentApi('POST', `/conversations/${id}/messages`, {
      kind: 'reply',
      text: 'Czy coś jeszcze?',
    });
    await expect.poll(() => widget.getByTestId('parley-unread').textContent()).toBe('1');

    // A reload keeps the conversation (the visitor token is in local storage).
    await page.reload();
    await inWidget(page).getByTestId('parley-launcher').click();
    await inWidget(page)
      .getByTestId('parley-theirs')
      .filter({ hasText: 'Czy coś jeszcze?' })
      .waitFor();
    expect(await inWidget(page).getByTestId('parley-mine').count()).toBe(2);

    // Resolved: the widget says so and tells the host page (the hook for a survey).
    await page.evaluate(
      `window.addEventListener('parley:resolved', (e) => { window.resolvedTicket = e.detail.number; })`,
    );
    expect((await agentApi('PATCH', `/conversations/${id}`, { status: 'resolved' })).status).toBe(
      200,
    );
    await inWidget(page).getByText('Ta rozmowa jest zakończona', { exact: false }).waitFor();
    await expect.poll(() => page.evaluate('window.resolvedTicket')).toBe(number);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('offers the offline form when nobody is available: a callback request becomes a task', async () => {
    expect((await agentApi('PUT', '/me/presence', { presence: 'offline' })).status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${shopBase}/?lang=sv`);
    const widget = inWidget(page);
    await widget.getByTestId('parley-launcher').click();
    const form = widget.getByTestId('parley-offline');
    await form.getByRole('button', { name: 'Ring upp mig' }).click();
    await form.getByLabel('Namn').fill('Erik Holm');
    await form.getByLabel('Telefon').fill('+46 70 123 45 67');
    await form.getByLabel('Meddelande').fill('Gäller min faktura.');
    await page.screenshot({ path: `${SCREENSHOTS}/widget-offline-sv.png` });
    await form.getByRole('button', { name: 'Skicka' }).click();
    const done = await widget.getByTestId('parley-offline-done').textContent();
    expect(done).toMatch(/ärendenummer är #\d+/);
    const { body } = await agentApi('GET', '/conversations?tag=callback&limit=5');
    expect((body as { data: { subject: string }[] }).data.map((c) => c.subject)).toContain(
      'Callback: Erik Holm',
    );
    await context.close();
  });

  it('lays Persian out right to left and renders Chinese', async () => {
    expect((await agentApi('PUT', '/me/presence', { presence: 'online' })).status).toBe(200);
    for (const lang of ['fa', 'zh']) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
      const page = await context.newPage();
      const console: string[] = [];
      page.on('console', (m) => console.push(m.text()));
      page.on('pageerror', (e) => console.push(e.message));
      await page.goto(`${shopBase}/?lang=${lang}`);
      await inWidget(page)
        .getByTestId('parley-launcher')
        .waitFor({ timeout: 15_000 })
        .catch((error: unknown) => {
          throw new Error(`no widget (${console.join(' | ')}): ${String(error)}`);
        });
      const widget = inWidget(page);
      await widget.getByTestId('parley-launcher').click();
      await widget.getByTestId('parley-panel').waitFor();
      const dir = await widget.locator('.root').getAttribute('dir');
      expect(dir).toBe(lang === 'fa' ? 'rtl' : 'ltr');
      await page.screenshot({ path: `${SCREENSHOTS}/widget-${lang}.png` });
      await context.close();
    }
  });
});
