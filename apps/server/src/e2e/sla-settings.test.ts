import type { Absence, Calendar, SlaPolicy } from '@parley/contract';
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
  app = await startAgentApp({ 'ola@demo.localhost': 'ola-password-123' });
}, 120_000);

afterAll(() => app.stop());

async function newPage(width = 1280, height = 900) {
  const context = await app.browser.newContext({ viewport: { width, height } });
  return context.newPage();
}

const signIn = (page: Page, as?: { email: string; password: string }, locale?: string) =>
  signInAs(app, page, as, locale);
const apiGet = <T>(page: Page, path: string) => get<T>(app, page, path);

/**
 * A screenshot of the whole screen: the settings area scrolls inside its own pane, so the
 * window is made as tall as what it shows first.
 */
async function screenshot(page: Page, name: string) {
  const height = await page.evaluate<number>(
    `(() => { const main = document.querySelector('main'); return main ? main.scrollHeight + main.getBoundingClientRect().top : 0; })()`,
  );
  await page.setViewportSize({ width: 1280, height: Math.max(900, Math.ceil(height)) });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** A local date `days` from now, YYYY-MM-DD. */
const inDays = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const userId = async (page: Page, email: string) =>
  (await apiGet<{ data: { id: string; email: string }[] }>(page, '/users?limit=200')).data.find(
    (u) => u.email === email,
  )?.id ?? '';

describe('business hours, SLA policies and absences', { timeout: 180_000 }, () => {
  it('lets a manager set up a calendar with holidays and an SLA policy that uses it', async () => {
    const page = await newPage();
    await signIn(page);
    await page.goto(`${app.base}/app/settings/business-hours`);
    await page.getByText('No calendars yet', { exact: false }).waitFor();
    await page.getByTestId('calendar-new').click();

    // What the form refuses before anything is sent.
    await page.getByTestId('calendar-time-zone').fill('Mars/Olympus');
    await page.getByLabel('Mon: from').fill('9');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Fill this in.').waitFor();
    await page.getByText('Choose a time zone from the list', { exact: false }).waitFor();
    await page.getByText('Write times as HH:MM, from 00:00 to 24:00.').waitFor();

    await page.getByTestId('calendar-name').fill('Stockholm office');
    await page.getByTestId('calendar-time-zone').fill('Europe/Stockholm');
    await page.getByLabel('Mon: from').fill('08:00');
    // Saturday mornings too, and a second interval on Friday evening.
    await page.getByRole('button', { name: 'Add hours on Sat' }).click();
    await page.getByLabel('Sat: until').fill('13:00');
    await page.getByRole('button', { name: 'Add hours on Fri' }).click();
    await page.getByLabel('Fri: from').nth(1).fill('18:00');
    await page.getByLabel('Fri: until').nth(1).fill('22:00');
    await page.getByTestId('calendar-country').selectOption('SE');
    // A region Sweden does not have: the server's refusal shows at the field, in words.
    await page.getByLabel('Region (optional)').fill('XX');
    const ownDay = inDays(20);
    await page.getByTestId('closed-date').fill(ownDay);
    await page.getByRole('button', { name: 'Add day' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByText('Parley knows no public holidays for this country or region', { exact: false })
      .first()
      .waitFor();
    await page.getByLabel('Region (optional)').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('calendar-row').filter({ hasText: 'Stockholm office' }).waitFor();
    await expect
      .poll(() => page.getByTestId('calendar-row').textContent())
      .toContain('holidays of Sweden');

    const calendars = await apiGet<{ data: Calendar[] }>(page, '/calendars');
    const calendar = calendars.data.find((c) => c.name === 'Stockholm office');
    expect(calendar).toMatchObject({
      timeZone: 'Europe/Stockholm',
      alwaysOpen: false,
      holidays: { country: 'SE', region: null },
      closedDates: [ownDay],
    });
    expect(calendar?.weeklyHours.mon).toEqual([{ from: '08:00', to: '17:00' }]);
    expect(calendar?.weeklyHours.fri).toEqual([
      { from: '09:00', to: '17:00' },
      { from: '18:00', to: '22:00' },
    ]);
    expect(calendar?.weeklyHours.sat).toEqual([{ from: '09:00', to: '13:00' }]);
    expect(calendar?.weeklyHours.sun).toBeUndefined();

    // Open again: the next closed days the server works out (Swedish holidays, our own day).
    await page.getByRole('button', { name: 'Edit Stockholm office' }).click();
    await page.getByTestId('upcoming-closed').locator('li').first().waitFor();
    expect(await page.getByTestId('upcoming-closed').textContent()).toContain('Closed day');
    await expectAccessible(page);
    await screenshot(page, 'settings-calendar-en.png');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // An SLA policy for urgent conversations, counted in the calendar's hours.
    await page.getByTestId('settings-nav-sla').click();
    await page.getByTestId('policy-new').click();
    await page.getByTestId('policy-name').fill('Urgent tickets');
    await page.getByLabel('Urgent', { exact: true }).check();
    await page.getByTestId('target-firstResponse').fill('soon');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Write a duration such as 4h, 1h 30m, 45m or 2d.').waitFor();
    await page.getByTestId('target-firstResponse').fill('30m');
    await page.getByTestId('target-resolution').fill('1h 30m');
    await page.getByTestId('policy-calendar').selectOption({ label: 'Stockholm office' });
    await page.getByLabel('Warn at (% of the target)').fill('75, 90');
    await page.getByRole('button', { name: 'Add escalation' }).click();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('policy-row').filter({ hasText: 'Urgent tickets' });
    await row.waitFor();
    expect(await row.textContent()).toContain('First response');
    const policies = await apiGet<{ data: SlaPolicy[] }>(page, '/sla/policies');
    expect(policies.data.find((p) => p.name === 'Urgent tickets')).toMatchObject({
      calendarId: calendar?.id,
      conditions: { priorities: ['urgent'] },
      targets: {
        firstResponse: { seconds: 1800, businessHours: true },
        resolution: { seconds: 5400, businessHours: true },
      },
      warnAtPercent: [75, 90],
      escalations: [{ on: 'breach', raisePriority: true }],
    });

    // The calendar is in use now: deleting it is refused in words.
    await page.getByTestId('settings-nav-calendars').click();
    await page.getByRole('button', { name: 'Delete Stockholm office' }).click();
    await page.getByTestId('confirm-delete').click();
    await page
      .getByText('Teams or SLA policies still use this calendar', { exact: false })
      .waitFor();

    // An absence for Ola, with the delegate chosen.
    await page.getByTestId('settings-nav-availability').click();
    await page.getByTestId('availability-person').selectOption({ label: 'Ola Nowak' });
    await page.getByTestId('schedule-form').waitFor();
    await page.getByTestId('absence-start').fill(inDays(30));
    await page.getByTestId('absence-end').fill(inDays(25));
    await page.getByRole('button', { name: 'Add absence' }).click();
    await page.getByText('The last day cannot be before the first.').waitFor();
    await page.getByTestId('absence-end').fill(inDays(34));
    await page.getByTestId('absence-reason').fill('Vacation');
    await page.getByLabel('Conversations go to').selectOption({ label: 'Sven Lindqvist' });
    await page.getByRole('button', { name: 'Add absence' }).click();
    await page.getByTestId('absence-row').filter({ hasText: 'Vacation' }).waitFor();
    // The same days again overlap: the server says so.
    await page.getByTestId('absence-start').fill(inDays(32));
    await page.getByTestId('absence-end').fill(inDays(33));
    await page.getByRole('button', { name: 'Add absence' }).click();
    await page.getByText('This person is already away during some of those days.').waitFor();
    const ola = await userId(page, 'ola@demo.localhost');
    const absences = await apiGet<{ data: Absence[] }>(page, `/absences?userId=${ola}`);
    expect(absences.data).toHaveLength(1);
    expect(absences.data[0]).toMatchObject({ allDay: true, reason: 'Vacation' });

    // Her limits per channel.
    await page.getByTestId('limit-chat').fill('4');
    await page
      .getByRole('group', { name: 'Limits per channel' })
      .getByRole('button', { name: 'Save' })
      .click();
    await page
      .getByRole('group', { name: 'Limits per channel' })
      .getByRole('status')
      .filter({ hasText: 'Saved.' })
      .waitFor();
    expect(
      (await apiGet<{ capacity: { limits: object } }>(page, `/agents/${ola}`)).capacity.limits,
    ).toEqual({ chat: 4 });
    await expectAccessible(page);
    await page.context().close();
  });

  it('shows the SLA policies right to left in Persian and the absences in Chinese', async () => {
    const page = await newPage();
    await signIn(page, undefined, 'fa');
    await page.goto(`${app.base}/app/settings/sla-policies`);
    await page.getByTestId('policy-row').first().waitFor();
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    const nav = await page.getByRole('navigation').boundingBox();
    expect(nav?.x ?? 0).toBeGreaterThan(640);
    await page.getByRole('button', { name: 'ویرایش Urgent tickets' }).click();
    await page.getByTestId('policy-name').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'settings-sla-fa.png');

    await page.getByTestId('locale-picker').selectOption('zh');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('ltr');
    await page.getByTestId('settings-nav-availability').click();
    await page.getByTestId('availability-person').selectOption({ label: 'Ola Nowak' });
    await page.getByTestId('absence-row').first().waitFor();
    await page.getByRole('heading', { name: '缺勤与休假' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'settings-absences-zh.png');
    await page.context().close();
  });

  it('lets an agent record and remove her own absence on her profile', async () => {
    const page = await newPage();
    await signIn(page, { email: 'ola@demo.localhost', password: 'ola-password-123' });
    await page.goto(`${app.base}/app/profile`);
    await page.getByRole('heading', { name: 'My absences' }).waitFor();
    // The one her manager recorded is there.
    await page.getByTestId('absence-row').filter({ hasText: 'Vacation' }).waitFor();
    await page.getByTestId('absence-start').fill(inDays(60));
    await page.getByTestId('absence-end').fill(inDays(61));
    await page.getByTestId('absence-reason').fill('Dentist');
    await page.getByRole('button', { name: 'Add absence' }).click();
    const dentist = page.getByTestId('absence-row').filter({ hasText: 'Dentist' });
    await dentist.waitFor();
    await expectAccessible(page);
    await screenshot(page, 'profile-absences-en.png');
    // Changed in place: checked before it is sent, then its days and reason.
    await dentist.getByTestId('absence-edit').click();
    const form = page.getByTestId('absence-edit-form');
    expect(await form.getByTestId('absence-start').inputValue()).toBe(inDays(60));
    expect(await form.getByTestId('absence-end').inputValue()).toBe(inDays(61));
    await form.getByTestId('absence-end').fill(inDays(59));
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('The last day cannot be before the first.').waitFor();
    await form.getByTestId('absence-end').fill(inDays(63));
    await form.getByTestId('absence-reason').fill('Dentist, then rest');
    await expectAccessible(page);
    await screenshot(page, 'profile-absence-edit-en.png');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await dentist.filter({ hasText: 'Dentist, then rest' }).waitFor();
    const ola = await userId(page, 'ola@demo.localhost');
    const changed = (await apiGet<{ data: Absence[] }>(page, `/absences?userId=${ola}`)).data.find(
      (a) => a.reason === 'Dentist, then rest',
    );
    // Four whole days in her zone; the delegate her manager chose for the other one is kept.
    expect(
      (Date.parse(changed?.endsAt ?? '') - Date.parse(changed?.startsAt ?? '')) / 86_400_000,
    ).toBe(4);
    await dentist.getByRole('button', { name: /^Delete/ }).click();
    await dentist.getByTestId('confirm-delete').click();
    await dentist.waitFor({ state: 'detached' });
    const absences = await apiGet<{ data: Absence[] }>(page, `/absences?userId=${ola}`);
    expect(absences.data.map((a) => a.reason)).toEqual(['Vacation']);

    // Her working hours, on the same page: set hours in her zone (limits stay her manager's).
    const hours = page.getByTestId('my-hours');
    await hours.getByLabel('Works set hours').check();
    await hours.getByLabel('Time zone').fill('Europe/Atlantis');
    await hours.getByRole('button', { name: 'Save' }).click();
    await hours.getByText('Choose a time zone from the list', { exact: false }).waitFor();
    await hours.getByLabel('Time zone').fill('Europe/Warsaw');
    await hours.getByRole('button', { name: 'Save' }).click();
    await hours.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const agent = await apiGet<{ schedule: { timeZone: string; weeklyHours: object } | null }>(
      page,
      `/agents/${ola}`,
    );
    expect(agent.schedule?.timeZone).toBe('Europe/Warsaw');
    expect(Object.keys(agent.schedule?.weeklyHours ?? {})).toEqual(
      expect.arrayContaining(['mon', 'fri']),
    );
    await expectAccessible(page);
    await screenshot(page, 'profile-hours-en.png');
    // A reload shows what was stored.
    await page.reload();
    await expect
      .poll(() => page.getByTestId('my-hours').getByLabel('Time zone').inputValue())
      .toBe('Europe/Warsaw');
    await page.context().close();
  });
});
