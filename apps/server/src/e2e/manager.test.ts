import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../modules/auth/passwords.js';
import {
  expectAccessible,
  SCREENSHOTS,
  signIn as signInAt,
  startAgentApp,
  type AgentApp,
} from './browser.js';

let app: AgentApp;
let base: string;
let db: pg.Client;

const LI = { email: 'li@demo.localhost', password: 'li-password-123' }; // a demo manager
const OLA = { email: 'ola@demo.localhost', password: 'ola-password-123' }; // a demo agent

beforeAll(async () => {
  app = await startAgentApp();
  base = app.base;
  db = new pg.Client({ connectionString: app.databaseUrl });
  await db.connect();
  for (const who of [LI, OLA])
    await db.query(`update users set password_hash = $1 where email = $2`, [
      await hashPassword(who.password),
      who.email,
    ]);
}, 120_000);

afterAll(async () => {
  await db.end();
  await app.stop();
});

async function newPage(width = 1280, height = 900) {
  const context = await app.browser.newContext({ viewport: { width, height } });
  return context.newPage();
}

const signIn = (page: Page, as: { email: string; password: string }, locale = 'en') =>
  signInAt(app, page, as, locale);

async function call<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const csrf = await page.evaluate(async () => {
    const me = (await (await fetch('/api/v1/me')).json()) as { csrfToken: string };
    return me.csrfToken;
  });
  const response = await page.request.fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'x-csrf-token': csrf },
    ...(body !== undefined ? { data: body } : {}),
  });
  expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
  return (await response.json()) as T;
}

let nightDesk = '';
const queued: string[] = [];

/**
 * A second team (Night desk: Sven, offline) with three conversations waiting, the oldest for
 * 7 minutes; an SLA policy, and in the report one first response met and one breached.
 */
async function seed() {
  const page = await newPage();
  await signIn(page, { email: 'owner@demo.localhost', password: app.password });
  const users = await call<{ data: { id: string; email: string }[] }>(
    page,
    'GET',
    '/users?limit=100',
  );
  const sven = users.data.find((u) => u.email === 'sven@demo.localhost')?.id;
  await call(page, 'POST', '/sla/policies', {
    name: 'Standard',
    targets: {
      firstResponse: { seconds: 3600, businessHours: false },
      resolution: { seconds: 86_400, businessHours: false },
    },
  });
  const team = await call<{ id: string }>(page, 'POST', '/teams', {
    name: 'Night desk',
    kind: 'support',
    members: [{ userId: sven }],
    capacity: { limits: { email: 4, chat: 2 } },
  });
  nightDesk = team.id;
  const created: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { conversation } = await call<{ conversation: { id: string } }>(
      page,
      'POST',
      '/conversations',
      {
        contact: { email: `night${i}@example.com`, name: `Night customer ${i + 1}` },
        subject: `Night question ${i + 1}`,
        text: 'Hello, is anyone there?',
      },
    );
    created.push(conversation.id);
  }
  // The SLA clocks have started for each (asynchronously) before the queue is set up.
  await expect
    .poll(
      async () =>
        (
          await db.query<{ n: number }>(
            `select count(*)::int as n from conversation_slas where conversation_id = any($1)`,
            [created],
          )
        ).rows[0]?.n,
      { timeout: 20_000 },
    )
    .toBe(5);
  queued.push(...created.slice(0, 3));
  for (const [i, id] of queued.entries()) {
    await db.query(
      `update conversations set team_id = $2, assignee_id = null, status = 'new', channel = $3
        where id = $1`,
      [id, nightDesk, i === 1 ? 'chat' : 'email'],
    );
    // Apart: a trigger sets queued_at to now when the team or the assignee changes.
    await db.query(
      `update conversations set queued_at = now() - make_interval(mins => $2),
              created_at = now() - make_interval(mins => $2)
        where id = $1`,
      [id, 7 - i],
    );
  }
  const mark = (id: string, field: 'metAt' | 'breachedAt') =>
    db.query(
      `update conversation_slas set targets = (
         select jsonb_agg(case when t->>'target' = 'firstResponse'
                               then t || jsonb_build_object($2::text, to_jsonb(now()::text))
                               else t end)
           from jsonb_array_elements(targets) t)
        where conversation_id = $1`,
      [id, field],
    );
  await mark(created[3] ?? '', 'metAt');
  await mark(created[4] ?? '', 'breachedAt');
  await page.context().close();
}

describe('manager views', { timeout: 240_000 }, () => {
  it('shows a manager the queues, lets them take a waiting conversation, and the SLA report', async () => {
    await seed();
    const page = await newPage();
    await signIn(page, LI);
    await page.getByTestId('queues-link').click();
    await page.waitForURL(/\/app\/queues$/);
    const row = page.getByTestId('team-row').filter({ hasText: 'Night desk' });
    await expect.poll(() => row.getByTestId('team-queued').textContent()).toBe('3');
    // The oldest wait is about 7 minutes and ticks on between fetches.
    const wait = row.getByTestId('team-wait');
    await expect.poll(() => wait.textContent()).toMatch(/^7 min/);
    const before = await wait.textContent();
    await expect.poll(() => wait.textContent(), { timeout: 5000 }).not.toBe(before);

    // The team's waiting conversations, oldest first.
    await row.getByRole('button', { name: 'Night desk' }).click();
    await page.waitForURL(/team=/);
    const waiting = page.getByTestId('waiting-row');
    await expect.poll(() => waiting.count()).toBe(3);
    await expect.poll(() => waiting.first().textContent()).toContain('Night question 1');
    // Agents of the team with their load against capacity.
    await page.getByTestId('agent-row').filter({ hasText: 'Sven Lindqvist' }).waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/queues-en.png`, fullPage: true });

    // Assign to me: the queue shrinks, the conversation is Li's.
    await waiting.first().getByRole('button', { name: 'Assign to me' }).click();
    await page.getByRole('status').filter({ hasText: 'is yours now' }).waitFor();
    await expect.poll(() => waiting.count()).toBe(2);
    await expect.poll(() => row.getByTestId('team-queued').textContent()).toBe('2');
    const taken = await call<{ assigneeId: string }>(page, 'GET', `/conversations/${queued[0]}`);
    const me = await call<{ user: { id: string } }>(page, 'GET', '/me');
    expect(taken.assigneeId).toBe(me.user.id);

    // Hand the next one to Sven.
    const next = waiting.first();
    await next.getByRole('combobox').selectOption({ label: 'Sven Lindqvist (0 open)' });
    await next.getByRole('button', { name: 'Transfer' }).click();
    await page.getByRole('status').filter({ hasText: 'went to Sven Lindqvist' }).waitFor();
    await expect.poll(() => waiting.count()).toBe(1);

    // The inbox, filtered by the team and unassigned.
    await page.getByTestId('waiting-inbox-link').click();
    await page.getByTestId('team-filter').filter({ hasText: 'Night desk' }).waitFor();
    await expect.poll(() => page.getByTestId('conversation-row').count()).toBe(1);

    // The SLA report: first responses met and breached this week (ours and the demo's).
    await page.goto(`${base}/app/reports/sla`);
    const totals = page.getByTestId('sla-totals');
    await expect
      .poll(() => totals.textContent())
      .toMatch(/^First response[\d.]+%\d+ met · \d+ breached/);
    await page.getByTestId('sla-chart').waitFor();
    await page.getByLabel('Group by').selectOption('team');
    await page.getByTestId('sla-table').waitFor();
    await expectAccessible(page);
    await page.getByLabel('Team').selectOption({ label: 'Night desk' });
    // The one still waiting, by its number and subject, linked to it in the team's queue.
    const forecastLink = page.getByTestId('forecast-table').locator('tbody tr a');
    await expect.poll(() => forecastLink.textContent()).toMatch(/^\D*\d+Night question [1-3]$/);
    const href = (await forecastLink.getAttribute('href')) ?? '';
    expect(queued.some((id) => href.includes(`/conversations/${id}`))).toBe(true);
    expect(href).toContain(`team=${nightDesk}`);
    await page.context().close();
  });

  it('reads right to left in Persian and shows the report in Chinese', async () => {
    const fa = await newPage();
    await signIn(fa, LI, 'fa');
    await fa.goto(`${base}/app/queues?team=${nightDesk}`);
    await fa.getByTestId('teams-table').waitFor();
    expect(await fa.locator('html').getAttribute('dir')).toBe('rtl');
    await fa.getByTestId('waiting-row').first().waitFor();
    await expectAccessible(fa);
    await fa.screenshot({ path: `${SCREENSHOTS}/queues-fa.png`, fullPage: true });
    await fa.context().close();

    const zh = await newPage(1280, 1400); // the forecast's table below the report
    await signIn(zh, LI, 'zh');
    await zh.goto(`${base}/app/reports/sla?team=${nightDesk}`);
    await zh.getByTestId('sla-chart').waitFor();
    await zh.getByTestId('forecast').waitFor();
    await expectAccessible(zh);
    await zh.screenshot({ path: `${SCREENSHOTS}/sla-report-zh.png`, fullPage: true });
    await zh.context().close();
  });

  it('gives an agent no link and a readable refusal at the addresses', async () => {
    const page = await newPage();
    await signIn(page, OLA);
    expect(await page.getByTestId('queues-link').count()).toBe(0);
    expect(await page.getByTestId('sla-report-link').count()).toBe(0);
    for (const path of ['/queues', '/reports/sla']) {
      await page.goto(`${base}/app${path}`);
      await page.getByTestId('manager-not-allowed').waitFor();
      expect(await page.getByTestId('teams-table').count()).toBe(0);
    }
    await expectAccessible(page);
    await page.context().close();
  });
});
