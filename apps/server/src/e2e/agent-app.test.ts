import { createTransport } from 'nodemailer';
import pg from 'pg';
import { type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useRecipientMta } from '../test/mail.js';
import {
  expectAccessible,
  SCREENSHOTS,
  signIn as signInAs,
  startAgentApp,
  type AgentApp,
} from './browser.js';
import { hashPassword } from '../modules/auth/passwords.js';

const mta = useRecipientMta();
let app: AgentApp;
let databaseUrl: string;
let browser: Browser;
let base: string;
let smtpPort: number;

beforeAll(async () => {
  // Mail Parley sends (replies, resets, invitations) reaches the recipient MTA.
  app = await startAgentApp({}, { SMTP_RELAY_URL: `smtp://127.0.0.1:${String(mta.port)}` });
  ({ databaseUrl, browser, base, smtpPort } = app);
}, 120_000);

afterAll(() => app.stop());

/** A page in a context of its own (axe needs one; no cookies shared between tests). */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return context.newPage();
}

const signIn = (page: Page, locale = 'en', as = { email: 'owner@demo.localhost', password: '' }) =>
  signInAs(app, page, as, locale);

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
    // A file goes with the reply: chosen, shown, removable, then sent.
    await page.getByTestId('composer-file-input').setInputFiles([
      {
        name: 'list przewozowy.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4 list'),
      },
      { name: 'zbędny.txt', mimeType: 'text/plain', buffer: Buffer.from('nie ten') },
    ]);
    const chips = page.getByTestId('composer-files');
    await expect.poll(() => chips.textContent()).toContain('list przewozowy.pdf');
    await page.getByRole('button', { name: 'Remove zbędny.txt' }).click();
    await expect.poll(() => chips.textContent()).not.toContain('zbędny.txt');
    await page.screenshot({ path: `${SCREENSHOTS}/composer-file-en.png` });
    await page.getByTestId('send').click();
    await expect
      .poll(() => page.getByTestId('timeline').textContent())
      .toContain('sprawdzamy to i odpiszemy');
    await expect
      .poll(() => page.getByTestId('timeline').textContent())
      .toContain('list przewozowy.pdf');
    expect(await page.getByTestId('composer-files').count()).toBe(0);

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
    expect(reply.mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['list przewozowy.pdf', '%PDF-1.4 list'],
    ]);
    expect(reply.mail.subject).toMatch(/^Re: Paczka nie dotarła \[#\d+\]$/);
    await page.context().close();
  });

  it('is live: a colleague on the same conversation, their typing, a crossing reply, new mail', async () => {
    // Ola (a demo agent) gets a known password so a second person can sign in.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`update users set password_hash = $1 where email = 'ola@demo.localhost'`, [
      await hashPassword('ola-password-123'),
    ]);
    await db.end();
    const owner = await newPage();
    await signIn(owner);
    await owner.getByRole('link', { name: /All open/ }).click();
    await owner.getByTestId('conversation-row').first().click();
    await owner.getByTestId('timeline').waitFor();
    const url = owner.url();
    const ola = await newPage();
    await signIn(ola, 'en', { email: 'ola@demo.localhost', password: 'ola-password-123' });
    await ola.goto(url);
    await ola.getByTestId('timeline').waitFor();

    // Each sees the other; Ola starts a reply and Olivia sees it.
    await expect.poll(() => owner.getByTestId('viewers').textContent()).toContain('Ola Nowak');
    await expect.poll(() => ola.getByTestId('viewers').textContent()).toContain('Olivia Owner');
    await ola.getByTestId('composer').fill('Sprawdzam to teraz');
    await expect
      .poll(() => owner.getByTestId('viewers').textContent())
      .toContain('Ola Nowak is writing a reply…');

    // Olivia's reply would cross Ola's: she is warned first, then sends anyway.
    await owner.getByTestId('composer').fill('We are on it and will write back today.');
    await owner.getByTestId('send').click();
    await owner.getByTestId('collision-warning').waitFor();
    expect(await owner.getByTestId('collision-warning').textContent()).toContain(
      'Ola Nowak is also writing a reply',
    );
    await expectAccessible(owner);
    await owner.screenshot({ path: `${SCREENSHOTS}/collision-en.png` });
    await owner.getByTestId('send-anyway').click();
    // Ola sees the reply arrive without reloading.
    await expect
      .poll(() => ola.getByTestId('timeline').textContent(), { timeout: 10_000 })
      .toContain('We are on it and will write back today.');

    // Olivia hands the conversation to Ola: Ola's bell lights up at once and leads back to it.
    // (Opening the app put Ola online, so routing may already have given her work.)
    const unread = async () =>
      Number(
        (await ola.getByTestId('notifications-unread').count())
          ? await ola.getByTestId('notifications-unread').textContent()
          : 0,
      );
    await owner.getByTestId('assignee-select').selectOption({ label: 'Ola Nowak' });
    await expect.poll(unread, { timeout: 10_000 }).toBeGreaterThan(0);
    await ola.getByTestId('notifications').click();
    // (The demo's own assignments notified Ola when the server started; this is the new one.)
    const number = await owner.locator('article header span[dir="ltr"]').first().textContent();
    const item = ola
      .getByTestId('notification')
      .filter({ hasText: `Olivia Owner assigned ${number ?? ''} to you` });
    await item.waitFor({ timeout: 10_000 });
    const before = await unread();
    await expectAccessible(ola);
    await ola.screenshot({ path: `${SCREENSHOTS}/notifications-en.png` });
    await item.click();
    await expect.poll(unread).toBe(before - 1);
    await ola.waitForURL(/\/app\/conversations\//);

    // A canned response, filled for this conversation, goes into Olivia's reply box.
    await owner.getByTestId('composer').fill('');
    await owner.getByTestId('canned-open').click();
    await owner.getByTestId('canned-search').fill('looking');
    await owner.getByTestId('canned-item').first().waitFor();
    await owner.getByTestId('canned-search').press('Enter');
    await expect
      .poll(() => owner.getByTestId('composer').inputValue())
      .toMatch(/We are looking into #\d+ and will write back today\.\n\nOlivia, Demo Support$/);
    await owner.getByTestId('composer').fill('');

    // Ola mentions Olivia in a note: "@Oli", Enter picks her, and Olivia is notified.
    await ola.getByRole('tab', { name: 'Internal note' }).click();
    await ola.getByTestId('composer').fill('');
    await ola.getByTestId('composer').pressSequentially('Czy możesz spojrzeć, @Oli');
    await ola.getByTestId('mention-suggestions').getByText('Olivia Owner').waitFor();
    await ola.getByTestId('composer').press('Enter');
    await ola.getByTestId('mention-suggestions').waitFor({ state: 'detached' });
    await ola.getByTestId('composer').pressSequentially('dzięki!');
    expect(await ola.getByTestId('composer').inputValue()).toBe(
      'Czy możesz spojrzeć, @Olivia Owner dzięki!',
    );
    await ola.getByTestId('send').click();
    await owner.getByTestId('notifications').click();
    await owner
      .getByTestId('notification')
      .filter({ hasText: `Ola Nowak mentioned you on ${number ?? ''}` })
      .waitFor({ timeout: 10_000 });
    await owner.keyboard.press('Escape');

    // New mail shows up in the list by itself (no polling while the socket is up).
    await owner.getByRole('link', { name: /Unassigned/ }).click();
    await owner.getByTestId('list-title').waitFor();
    await createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true }).sendMail({
      from: 'Erik Holm <erik@example.se>',
      to: 'support@demo.localhost',
      subject: 'Leveransen är försenad',
      text: 'Hej! Min leverans är försenad sedan en vecka.',
    });
    await owner
      .getByTestId('conversation-row')
      .filter({ hasText: 'Leveransen är försenad' })
      .waitFor({ timeout: 15_000 });
    await owner.context().close();
    await ola.context().close();
  });

  it('catches up after the connection drops: mails that came meanwhile appear once, in order', async () => {
    const mail = createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    await mail.sendMail({
      from: 'Annika Berg <annika@example.se>',
      to: 'support@demo.localhost',
      subject: 'Fakturan stämmer inte',
      text: 'Hej, fakturan för november stämmer inte.',
      messageId: '<faktura-1@example.se>',
    });
    const page = await newPage();
    // The test holds the socket: it can cut it and keep it from coming back for a while.
    let cut = false;
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/api\/v1\/realtime$/, (ws) => {
      if (cut) {
        void ws.close({ code: 1006 });
        return;
      }
      sockets.push(ws);
      ws.connectToServer();
    });
    await signIn(page);
    await page.getByRole('link', { name: /Unassigned/ }).click();
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Fakturan stämmer inte' });
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    await expect.poll(() => page.getByTestId('timeline').textContent()).toContain('november');

    cut = true;
    for (const ws of sockets) await ws.close({ code: 1006 });
    await page.getByTestId('reconnecting').waitFor();
    for (let i = 1; i <= 5; i++) {
      await mail.sendMail({
        from: 'Annika Berg <annika@example.se>',
        to: 'support@demo.localhost',
        subject: 'Re: Fakturan stämmer inte',
        text: `Tillägg nummer ${i}.`,
        inReplyTo: '<faktura-1@example.se>',
        references: ['<faktura-1@example.se>'],
        messageId: `<faktura-${i + 1}@example.se>`,
      });
    }
    cut = false;
    await page.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 40_000 });
    const timeline = page.getByTestId('timeline');
    await expect
      .poll(() => timeline.textContent(), { timeout: 15_000 })
      .toContain('Tillägg nummer 5.');
    const text = (await timeline.textContent()) ?? '';
    const positions = [1, 2, 3, 4, 5].map((i) => text.indexOf(`Tillägg nummer ${i}.`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    for (let i = 1; i <= 5; i++) expect(text.split(`Tillägg nummer ${i}.`)).toHaveLength(2);
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

  it('tags a conversation and fills its custom fields from the details panel', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let conversationId: string;
    try {
      await client.query(
        `insert into custom_field_definitions (workspace_id, id, entity, key, label, type, options, position)
         select id, gen_random_uuid(), 'conversation', 'plan', 'Plan', 'select', '{Free,Pro,Enterprise}'::text[], 0
           from workspaces where slug = 'demo'
         union all
         select id, gen_random_uuid(), 'conversation', 'order_number', 'Order number', 'text', '{}'::text[], 1
           from workspaces where slug = 'demo'`,
      );
      const found = await client.query<{ id: string }>(
        `select c.id from conversations c join workspaces w on w.id = c.workspace_id
          where w.slug = 'demo' and c.status = 'open' and c.merged_into_id is null
          order by c.number limit 1`,
      );
      conversationId = found.rows[0]!.id;
      await client.query(`update conversations set tags = '{delivery}' where id = $1`, [
        conversationId,
      ]);
    } finally {
      await client.end();
    }
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/app/conversations/${conversationId}`);
    const tags = page.getByTestId('tag-editor');
    await tags.getByText('delivery').waitFor();
    await page.getByTestId('tag-input').fill('vip');
    await page.getByTestId('tag-input').press('Enter');
    await tags.getByText('vip').waitFor();
    await tags.getByRole('button', { name: 'Remove the tag delivery' }).click();
    await page.getByLabel('Plan').selectOption('Pro');
    await page.getByLabel('Order number').fill('  PL-1042 ');
    await page.getByLabel('Order number').press('Enter');
    const stored = async () => {
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ tags: string[]; custom_fields: object }>(
          'select tags, custom_fields from conversations where id = $1',
          [conversationId],
        );
        return rows[0];
      } finally {
        await db.end();
      }
    };
    await expect
      .poll(stored, { timeout: 15_000 })
      .toEqual({ tags: ['vip'], custom_fields: { plan: 'Pro', order_number: 'PL-1042' } });
    // After a reload the panel shows what was stored.
    await page.reload();
    await page.getByTestId('tag-editor').getByText('vip').waitFor();
    await expect.poll(() => page.getByLabel('Plan').inputValue()).toBe('Pro');
    expect(await page.getByLabel('Order number').inputValue()).toBe('PL-1042');
    // The timeline says who changed what, between the messages.
    const changes = page.locator('[data-kind=change]');
    await expect
      .poll(() => changes.allTextContents())
      .toEqual(
        expect.arrayContaining([
          expect.stringContaining('Olivia Owner added tag vip'),
          expect.stringContaining('Olivia Owner removed tag delivery'),
          expect.stringContaining('Olivia Owner set Plan to Pro'),
          expect.stringContaining('Olivia Owner set Order number to PL-1042'),
        ]),
      );
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/details-fields-en.png` });
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

  it('tags several conversations at once, and takes a tag off them again', async () => {
    // Two new conversations of its own, named by their subjects: other tests' live updates
    // may reorder the list.
    const subjects = ['Faktura do zamówienia', 'Rabatt på nästa order'];
    const mail = createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    for (const [i, subject] of subjects.entries())
      await mail.sendMail({
        from: `kund${String(i)}@example.se`,
        to: 'support@demo.localhost',
        subject,
        text: 'Hej!',
      });
    const page = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: /Unassigned/ }).click();
    const rows = page.getByTestId('conversation-row');
    const rowOf = (subject: string) => rows.filter({ hasText: subject });
    for (const subject of subjects)
      await vi.waitFor(() => rowOf(subject).waitFor({ timeout: 2_000 }), {
        timeout: 20_000,
        interval: 500,
      });
    const select = async () => {
      for (const subject of subjects)
        await page
          .locator('li', { has: rowOf(subject) })
          .getByRole('checkbox')
          .check();
    };
    await select();
    await page.getByTestId('bulk-tag').click();
    await page.getByLabel('Add a tag to all').fill('  bulk  tagged ');
    await page.getByTestId('bulk-tag-add').click();
    await page.getByRole('status').filter({ hasText: '2 conversations updated' }).waitFor();
    for (const subject of subjects)
      await expect.poll(() => rowOf(subject).textContent()).toContain('bulk tagged');
    expect(await rows.filter({ hasText: 'bulk tagged' }).count()).toBe(2);

    // Off again: the tag is offered for removal because the selected ones carry it.
    await select();
    await page.getByTestId('bulk-tag').click();
    await expectAccessible(page, '[data-testid=bulk-tagger]');
    await page.screenshot({ path: `${SCREENSHOTS}/bulk-tags-en.png` });
    await page
      .getByRole('button', { name: 'Remove the tag bulk tagged from the selected conversations' })
      .click();
    await expect.poll(() => rows.filter({ hasText: 'bulk tagged' }).count()).toBe(0);
    await page.context().close();
  });

  it('escalates a conversation to a specialist team; the timeline says who did it, and where to', async () => {
    // A second team (the demo has one), straight into the database of the running server.
    // And a new, unassigned conversation to escalate, named here rather than picked from a list
    // that the earlier tests' live updates may still be reordering.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let conversationId: string;
    try {
      await client.query(
        `insert into teams (workspace_id, id, name, kind)
         select id, gen_random_uuid(), 'Specialists', 'tier' from workspaces where slug = 'demo'`,
      );
      const found = await client.query<{ id: string }>(
        `select c.id from conversations c join workspaces w on w.id = c.workspace_id
          where w.slug = 'demo' and c.status = 'new' and c.assignee_id is null
            and c.team_id is null and c.merged_into_id is null
          order by c.number limit 1`,
      );
      conversationId = found.rows[0]!.id;
    } finally {
      await client.end();
    }
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/app/conversations/${conversationId}`);
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
