import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiGet as get,
  expectAccessible,
  signIn as signInAs,
  startAgentApp,
  type AgentApp,
  SCREENSHOTS,
} from './browser.js';

let app: AgentApp;

beforeAll(async () => {
  // Ola, a demo agent, gets a known password.
  app = await startAgentApp({ 'ola@demo.localhost': 'ola-password-123' });
}, 120_000);

afterAll(() => app.stop());

async function newPage(width = 1280, height = 860, colorScheme: 'light' | 'dark' = 'light') {
  const context = await app.browser.newContext({ viewport: { width, height }, colorScheme });
  return context.newPage();
}

const signIn = (page: Page, as?: { email: string; password: string }, locale?: string) =>
  signInAs(app, page, as, locale);
/** What the API says now, with the page's own session. */
const apiGet = <T>(page: Page, path: string) => get<T>(app, page, path);

describe('settings', { timeout: 180_000 }, () => {
  it('lets an admin set up a team, an invitation, a canned response and a custom field', async () => {
    const page = await newPage();
    await signIn(page);
    await page.getByTestId('settings-link').click();
    await page.waitForURL(/\/app\/settings\/workspace$/);
    await expect.poll(() => page.getByTestId('workspace-name').inputValue()).not.toBe('');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-workspace-en.png`, fullPage: true });
    await page.getByLabel('Ticket number prefix').fill('PRL 1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Up to 10 letters, digits, # or -.').waitFor();
    await page.getByLabel('Ticket number prefix').fill('PRL-');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await apiGet<{ ticketPrefix: string }>(page, '/workspace')).toMatchObject({
      ticketPrefix: 'PRL-',
    });

    // A skill.
    await page.getByTestId('settings-nav-skills').click();
    await page.getByRole('button', { name: 'New skill' }).click();
    await page.getByLabel('Type').fill('product');
    await page.getByLabel('Value').fill('billing');
    await page.getByLabel('Label (optional)').fill('Billing');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('group', { name: 'Products' })
      .getByText('Billing', { exact: true })
      .waitFor();

    // A team: the form says what is missing before anything is sent; then members.
    await page.getByTestId('settings-nav-teams').click();
    await page.getByTestId('team-new').click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Fill this in.').waitFor();
    await page.getByTestId('team-name').fill('Night shift');
    await page.getByLabel('Assignment').selectOption('round_robin');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Nobody is in this team yet.').waitFor();
    await page.getByTestId('member-select').selectOption({ label: 'Ola Nowak' });
    await page.getByTestId('member-add').click();
    await expect.poll(() => page.getByTestId('members-list').textContent()).toContain('Ola Nowak');
    // The same name again is refused by the server, in words.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('team-new').click();
    await page.getByTestId('team-name').fill('Night shift');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByTestId('settings-error').textContent())
      .toBe('There is already a team with this name.');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('team-row').filter({ hasText: 'Night shift' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-teams-en.png`, fullPage: true });

    // A routing rule: Polish invoices go to the new team.
    await page.getByTestId('settings-nav-rules').click();
    await page.getByTestId('rule-new').click();
    await page.getByTestId('rule-name').fill('Polish invoices');
    await page.getByRole('group', { name: 'Languages' }).getByLabel('Polski').check();
    await page.getByTestId('rule-keywords').fill('faktura, rachunek');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Choose at least one thing the rule does.').waitFor();
    await page.getByTestId('rule-team').selectOption({ label: 'Night shift' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('rule-row').filter({ hasText: 'Polish invoices' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-rules-en.png`, fullPage: true });

    // An invitation.
    await page.getByTestId('settings-nav-users').click();
    await page.getByTestId('invite-email').fill('nina@');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Enter an email address such as name@example.com.').waitFor();
    await page.getByTestId('invite-email').fill('nina@example.com');
    await page.getByTestId('invite-role').selectOption('manager');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('An invitation was sent to nina@example.com.').waitFor();
    await page.getByTestId('invitation-row').filter({ hasText: 'nina@example.com' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-users-en.png`, fullPage: true });

    // A canned response: an unknown placeholder is caught, then the preview fills the real ones.
    await page.getByTestId('settings-nav-canned').click();
    await page.getByTestId('canned-new').click();
    await page.getByTestId('canned-title').fill('Refund on its way');
    await page.getByLabel('Shortcut').fill('refund');
    await page.getByTestId('canned-body').fill('Hi {custmer}, the refund for ');
    await page.getByRole('button', { name: 'Insert {number}: the ticket number' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('{custmer} is not a placeholder Parley knows.').waitFor();
    await page.getByTestId('canned-body').fill('Hi {customerFirstName}, the refund for ');
    await page.getByRole('button', { name: 'Insert {number}: the ticket number' }).click();
    await expect
      .poll(() => page.getByTestId('canned-body').inputValue())
      .toBe('Hi {customerFirstName}, the refund for {number}');
    await page.getByTestId('canned-body').press('End');
    await page.getByTestId('canned-body').pressSequentially(' is on its way.');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('canned-row').filter({ hasText: 'Refund on its way' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Edit Refund on its way' }).click();
    await page.getByTestId('canned-preview').click();
    await expect
      .poll(() => page.getByTestId('canned-preview-text').textContent())
      .toMatch(/^Hi .*, the refund for \S*\d+ is on its way\.$/);
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-canned-en.png`, fullPage: true });
    await page.getByRole('button', { name: 'Cancel' }).click();

    // A custom field: the key's shape and a choice field's options are checked first.
    await page.getByTestId('settings-nav-fields').click();
    await page.getByTestId('field-new').click();
    await page.getByTestId('field-label').fill('Plan');
    await page.getByTestId('field-key').fill('Plan');
    await page.getByTestId('field-type').selectOption('select');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Start with a lower-case letter', { exact: false }).waitFor();
    await page.getByText('A choice field needs at least one option.').waitFor();
    await page.getByTestId('field-key').fill('plan');
    await page.getByTestId('field-options').fill('Basic\nPro\nEnterprise, yearly');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('field-row').filter({ hasText: 'Plan' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-fields-en.png`, fullPage: true });

    // Acknowledgements: one per language; the ticket number cannot be left out.
    await page.getByTestId('settings-nav-acknowledgements').click();
    const polish = page.getByRole('group', { name: 'Polski' });
    await polish.getByRole('button', { name: 'Edit Polski' }).click();
    await polish.getByRole('textbox', { name: 'Subject' }).fill('Otrzymaliśmy Twoje zgłoszenie');
    await polish.getByRole('textbox', { name: 'Text' }).fill('Dziękujemy, odpowiemy wkrótce.');
    await polish.getByRole('button', { name: 'Save' }).click();
    await polish
      .getByText('Include {number} in the subject or the text', { exact: false })
      .waitFor();
    await polish
      .getByRole('textbox', { name: 'Text' })
      .fill('Dziękujemy! Numer zgłoszenia: {number}.');
    await polish.getByRole('button', { name: 'Save' }).click();
    await polish.getByRole('button', { name: 'Use the built-in text for Polski' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({
      path: `${SCREENSHOTS}/settings-acknowledgements-en.png`,
      fullPage: true,
    });

    // Mailboxes: secrets are written, never shown; only whether they are set.
    await page.getByTestId('settings-nav-mailboxes').click();
    await page.getByTestId('mailbox-row').first().waitFor();
    await page.getByRole('button', { name: 'New mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Sales');
    await page.getByLabel('Address', { exact: true }).fill('sales@demo.localhost');
    await page.getByLabel('Team').selectOption({ label: 'Night shift' });
    await page.getByLabel('Send through this mailbox’s own SMTP server').check();
    await page.getByLabel('SMTP host').fill('smtp.example.com');
    await page.getByLabel('User name').fill('sales');
    await page.getByLabel('Password').fill('hunter2-secret');
    await page.getByRole('button', { name: 'Save' }).click();
    const sales = page.getByTestId('mailbox-row').filter({ hasText: 'Sales' });
    await sales.waitFor();
    await page.getByRole('button', { name: 'Edit Sales' }).click();
    // The form says a password is stored, and an empty field keeps it.
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await page.getByLabel('Signature').fill('Sales team');
    await page.getByRole('button', { name: 'Save' }).click();
    await sales.waitFor();
    expect(await page.content()).not.toContain('hunter2-secret');
    const boxes = await apiGet<{
      data: { name: string; transport: { hasPassword: boolean } | null; signature: string }[];
    }>(page, '/mailboxes');
    expect(boxes.data.find((m) => m.name === 'Sales')).toMatchObject({
      transport: { hasPassword: true },
      signature: 'Sales team',
    });
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-mailboxes-en.png`, fullPage: true });

    // The chat widget: the embed code, a greeting in Polish, the phone asked for first.
    await page.getByTestId('settings-nav-widget').click();
    await page.getByLabel('Embed code').waitFor();
    expect(await page.getByLabel('Embed code').inputValue()).toMatch(
      /^<script src="http:\/\/[^"]+\/widget\.js" data-parley-key="[^"]+" async><\/script>$/,
    );
    await page.getByRole('textbox', { name: 'Polski' }).fill('Dzień dobry! W czym możemy pomóc?');
    await page.getByLabel('Ask for Phone').check();
    await page.getByLabel('Colour', { exact: true }).fill('#12345');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Enter a colour such as #4f46e5.').waitFor();
    await page.getByLabel('Colour', { exact: true }).fill('#0f766e');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-widget-en.png`, fullPage: true });
    const widget = await apiGet<{
      color: string;
      greeting: Record<string, string>;
      prechat: { fields: string[] };
    }>(page, '/widget-settings');
    expect(widget.color).toBe('#0f766e');
    expect(widget.greeting.pl).toBe('Dzień dobry! W czym możemy pomóc?');
    expect(widget.prechat.fields).toContain('phone');

    // The API has all of it.
    const teams = await apiGet<{
      data: { id: string; name: string; memberCount: number; assignmentStrategy: string }[];
    }>(page, '/teams');
    expect(teams.data.find((t) => t.name === 'Night shift')).toMatchObject({
      memberCount: 1,
      assignmentStrategy: 'round_robin',
    });
    const rules = await apiGet<{
      data: { name: string; conditions: Record<string, unknown>; actions: { teamId?: string } }[];
    }>(page, '/routing-rules');
    const nightShift = teams.data.find((t) => t.name === 'Night shift');
    expect(rules.data.find((r) => r.name === 'Polish invoices')).toMatchObject({
      conditions: { languages: ['pl'], keywords: ['faktura', 'rachunek'] },
      actions: { teamId: nightShift?.id },
    });
    const invitations = await apiGet<{ data: { email: string; role: string }[] }>(
      page,
      '/invitations',
    );
    expect(invitations.data).toContainEqual(
      expect.objectContaining({ email: 'nina@example.com', role: 'manager' }),
    );
    const canned = await apiGet<{
      data: { title: string; body: string; shortcut: string; shared: boolean }[];
    }>(page, '/canned-responses');
    expect(canned.data.find((c) => c.title === 'Refund on its way')).toMatchObject({
      body: 'Hi {customerFirstName}, the refund for {number} is on its way.',
      shortcut: 'refund',
      shared: true,
    });
    const fields = await apiGet<{ data: { key: string; type: string; options: string[] }[] }>(
      page,
      '/custom-fields',
    );
    const acks = await apiGet<{ data: { locale: string; customized: boolean; body: string }[] }>(
      page,
      '/workspace/acknowledgement-templates',
    );
    expect(acks.data.find((a) => a.locale === 'pl')).toMatchObject({
      customized: true,
      body: 'Dziękujemy! Numer zgłoszenia: {number}.',
    });
    expect(fields.data.find((f) => f.key === 'plan')).toMatchObject({
      type: 'select',
      options: ['Basic', 'Pro', 'Enterprise, yearly'],
    });
    await page.context().close();
  });

  it('is laid out right to left in Persian and renders Chinese; fits a phone', async () => {
    const page = await newPage();
    await signIn(page, undefined, 'fa');
    await page.goto(`${app.base}/app/settings/teams`);
    await page.getByTestId('team-row').first().waitFor();
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    // The sections menu sits on the right-hand side, by logical properties alone.
    const nav = await page.getByRole('navigation').boundingBox();
    expect(nav?.x ?? 0).toBeGreaterThan(640);
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-teams-fa.png`, fullPage: true });
    await page.goto(`${app.base}/app/settings/canned-responses`);
    await page.getByTestId('canned-row').first().waitFor();
    await page.getByTestId('canned-new').click();
    await page.screenshot({ path: `${SCREENSHOTS}/settings-canned-fa.png`, fullPage: true });

    await page.getByTestId('locale-picker').selectOption('zh');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('ltr');
    await page.getByRole('heading', { name: '新建快捷回复' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/settings-canned-zh.png`, fullPage: true });
    // (In the app, not by reloading: the test's start-up script would set Persian again.)
    await page.getByTestId('settings-nav-teams').click();
    await page.getByRole('heading', { name: '团队' }).waitFor();
    await page.getByTestId('team-row').first().waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/settings-teams-zh.png`, fullPage: true });
    await page.context().close();

    // A phone, in dark mode.
    const phone = await newPage(390, 844, 'dark');
    await signIn(phone);
    await phone.goto(`${app.base}/app/settings/teams`);
    await phone.getByTestId('team-row').first().waitFor();
    // Nothing wider than the screen.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(phone);
    await phone.screenshot({
      path: `${SCREENSHOTS}/settings-teams-phone-dark-en.png`,
      fullPage: true,
    });
    await phone.getByRole('button', { name: 'Edit Night shift' }).click();
    await phone.getByTestId('member-select').waitFor();
    await expectAccessible(phone);
    await phone.screenshot({
      path: `${SCREENSHOTS}/settings-team-form-phone-dark-en.png`,
      fullPage: true,
    });
    await phone.context().close();
  });

  it('pages through hundreds of people, and finds one by name or email', async () => {
    // 230 more people in the demo workspace, straight into the running server's database.
    const db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `insert into users (workspace_id, id, email, name, role)
         select w.id, gen_random_uuid(), 'crowd' || n || '@demo.localhost',
                'Crowd ' || lpad(n::text, 3, '0'), 'agent'
           from workspaces w, generate_series(1, 230) n where w.slug = 'demo'`,
      );
    } finally {
      await db.end();
    }
    const page = await newPage();
    await signIn(page);
    let total = 0;
    let cursor: string | null = '';
    while (cursor !== null) {
      const answer: { data: unknown[]; nextCursor: string | null } = await apiGet(
        page,
        `/users?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      total += answer.data.length;
      cursor = answer.nextCursor;
    }
    expect(total).toBeGreaterThan(230);
    await page.goto(`${app.base}/app/settings/users`);
    const rows = page.getByTestId('user-row');
    await expect.poll(() => page.getByTestId('people-shown').textContent()).toBe('50 people shown');
    expect(await rows.count()).toBe(50);
    // Fifty more at a time, by name, until everyone is there.
    for (let shown = 50; shown < total; shown += 50) {
      await page.getByTestId('people-more').click();
      await expect.poll(() => rows.count()).toBe(Math.min(shown + 50, total));
    }
    expect(await page.getByTestId('people-more').count()).toBe(0);
    const names = await rows.locator('bdi[dir=auto]').allTextContents();
    const crowd = names.filter((n) => n.startsWith('Crowd '));
    expect(crowd).toHaveLength(230);
    expect(crowd).toEqual([...crowd].sort());

    // The search asks the server, by name or by email.
    await page.getByTestId('people-search').fill('crowd 21');
    await expect
      .poll(() => rows.locator('bdi[dir=auto]').allTextContents())
      .toEqual(Array.from({ length: 10 }, (_, i) => `Crowd 21${String(i)}`));
    expect(await page.getByTestId('people-more').count()).toBe(0);
    await page.getByTestId('people-search').fill('crowd7@demo');
    await expect.poll(() => rows.locator('bdi[dir=auto]').allTextContents()).toEqual(['Crowd 007']);
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/settings-people-en.png`, fullPage: true });
    await page.getByTestId('people-search').fill('nobody like this');
    await page.getByText('Nobody’s name or email contains “nobody like this”.').waitFor();
    await page.context().close();
  });

  it('is not offered to agents, and the server’s refusal reads as a sentence', async () => {
    const page = await newPage();
    await signIn(page, { email: 'ola@demo.localhost', password: 'ola-password-123' });
    await page.getByTestId('list-title').waitFor();
    expect(await page.getByTestId('settings-link').count()).toBe(0);
    // Typed in by hand: no sections for her, and the invitations are refused with a 403.
    await page.goto(`${app.base}/app/settings/users`);
    await page
      .getByText('Settings are for managers and administrators.', { exact: false })
      .waitFor();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Your role does not allow this.' })
      .first()
      .waitFor();
    const refused = await page.request.get(`${app.base}/api/v1/invitations`);
    expect(refused.status()).toBe(403);
    await expectAccessible(page);
    await page.context().close();
  });
});
