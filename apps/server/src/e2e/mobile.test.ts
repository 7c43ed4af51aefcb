import type { Page, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  SCREENSHOTS,
  signIn as signInAs,
  startAgentApp,
  type AgentApp,
} from './browser.js';

/**
 * The agent app on a phone (390×844) and a tablet (800×1000), against a real `parley start`:
 * the sidebar in a drawer from the menu button, the details panel in a slide-over, one
 * column at a time on the phone, and nothing wider than the screen.
 */

let app: AgentApp;

const PHONE = { width: 390, height: 844 };
const TABLET = { width: 800, height: 1000 };

beforeAll(async () => {
  app = await startAgentApp();
  expect(app.base).toMatch(/^http/);
}, 120_000);

afterAll(() => app.stop());

async function newPage(viewport: { width: number; height: number }) {
  const context = await app.browser.newContext({ viewport, hasTouch: viewport.width < 768 });
  return context.newPage();
}

const signIn = (page: Page, locale = 'en') => signInAs(app, page, undefined, locale);

/** The page does not scroll sideways, and neither does its main scrolling area. */
async function expectFits(page: Page, where: string) {
  const sizes = await page.evaluate<{
    page: number;
    screen: number;
    main: number;
    wide: string[];
  }>(`({
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
    main: Math.max(0, ...[...document.querySelectorAll('main')].map((m) => m.scrollWidth - m.clientWidth)),
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((e) => e.tagName + ' ' + e.getAttribute('class')),
  })`);
  expect(
    sizes.page,
    `${where}: the page is ${String(sizes.page)} px wide; past the edge: ${sizes.wide.join('; ')}`,
  ).toBeLessThanOrEqual(sizes.screen);
  expect(sizes.main, `${where}: main scrolls sideways`).toBeLessThanOrEqual(1);
}

/** The notification centre opens whole on the screen (not hanging off its start edge). */
async function expectNotificationsOnScreen(page: Page) {
  await page.getByTestId('notifications').click();
  const panel = page.getByRole('dialog', { name: 'Notifications' });
  const box = await panel.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
  await page.getByTestId('notifications').click();
  await panel.waitFor({ state: 'detached' });
}

/** Waits until the slide-in has finished (screenshots and box measurements need it still). */
async function settled(page: Page, testId: string) {
  const dialog = page.getByTestId(testId);
  await dialog.waitFor();
  await expect
    .poll(() =>
      page.evaluate(
        `document.querySelector('[data-testid=${testId}]').getAnimations({ subtree: true }).length`,
      ),
    )
    .toBe(0);
  return dialog;
}

/** What the API says now, with the page's own session. */
async function apiGet<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(`${app.base}/api/v1${path}`);
  expect(response.status(), path).toBe(200);
  return (await response.json()) as T;
}

describe('the agent app on a phone and a tablet', { timeout: 180_000 }, () => {
  it('works at phone width: menu drawer, one column, details slide-over, sign-out', async () => {
    const page = await newPage(PHONE);
    await page.goto(`${app.base}/app/login`);
    await page.locator('button[type=submit]').waitFor();
    await expectFits(page, 'sign-in');
    await signIn(page);
    const me = await apiGet<{ user: { id: string } }>(page, '/me');

    // The inbox: the list alone, a menu button where the sidebar was.
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
    await expectFits(page, 'inbox');
    await expectAccessible(page);
    await expectNotificationsOnScreen(page);

    // The drawer: a modal dialog with the sidebar; focus inside, Esc closes, focus returns.
    const menu = page.getByTestId('menu-open');
    await menu.click();
    const drawer = await settled(page, 'menu-drawer');
    expect(await drawer.getAttribute('open')).not.toBeNull();
    const nav = drawer.getByRole('navigation', { name: 'Views' });
    await nav.getByRole('link', { name: /Unassigned/ }).waitFor();
    await nav.getByTestId('presence').waitFor();
    await nav.getByTestId('locale-picker').waitFor();
    const box = await drawer.boundingBox();
    expect(box?.x).toBe(0); // from the left, the start side in English
    await expectAccessible(page, '[data-testid=menu-drawer]');
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-menu-en.png` });
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(
          `document.querySelector('[data-testid=menu-drawer]').contains(document.activeElement)`,
        ),
        `focus after ${String(i + 1)} tabs`,
      ).toBe(true);
    }
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await expect
      .poll(() => page.evaluate(`document.activeElement?.dataset.testid`))
      .toBe('menu-open');

    // A view from the drawer: navigating closes it.
    await menu.click();
    await page
      .getByTestId('menu-drawer')
      .getByRole('link', { name: /Unassigned/ })
      .click();
    await page.getByTestId('menu-drawer').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('list-title').textContent()).toContain('Unassigned');
    expect(page.url()).toContain('view=unassigned');
    await page.getByTestId('conversation-row').first().waitFor();
    await expectFits(page, 'inbox (unassigned)');
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-inbox-en.png` });

    // A conversation replaces the list; the back button returns to it.
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Where is my order' });
    await row.click();
    await page.getByRole('heading', { name: 'Where is my order #A-77812?' }).waitFor();
    expect(await page.getByTestId('conversation-list').isVisible()).toBe(false);
    // No keyboard, no keyboard shortcut to speak of.
    expect(await page.getByTestId('composer-hint').isVisible()).toBe(false);
    await page
      .getByTestId('composer')
      .fill(
        'Hello Jane, the parcel left our warehouse yesterday; the tracking link follows shortly.',
      );
    await expectFits(page, 'conversation');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-conversation-en.png` });
    // The canned responses open above the composer, inside the screen.
    await page.getByTestId('canned-open').click();
    await page.getByRole('dialog', { name: 'Canned responses' }).waitFor();
    await expectFits(page, 'canned responses');
    await page.getByTestId('canned-open').click();

    // The details in a slide-over from the end side: status, assign to me.
    await page.getByTestId('details-open').click();
    const details = await settled(page, 'details-drawer');
    const detailsBox = await details.boundingBox();
    expect(Math.round((detailsBox?.x ?? 0) + (detailsBox?.width ?? 0))).toBe(PHONE.width);
    await expectAccessible(page, '[data-testid=details-drawer]');
    await expectFits(page, 'details');
    await details.getByTestId('status-select').selectOption('pending');
    const id = /conversations\/([^/?]+)/.exec(page.url())?.[1] ?? '';
    await expect
      .poll(async () => (await apiGet<{ status: string }>(page, `/conversations/${id}`)).status)
      .toBe('pending');
    await details.getByTestId('assign-me').click();
    await expect
      .poll(
        async () =>
          (await apiGet<{ assigneeId: string | null }>(page, `/conversations/${id}`)).assigneeId,
      )
      .toBe(me.user.id);
    await details.getByTestId('assign-me').waitFor({ state: 'detached' });
    expect(await details.getByTestId('assignee-select').inputValue()).toBe(me.user.id);
    await details.getByTestId('drawer-close').click();
    await details.waitFor({ state: 'detached' });
    await expect
      .poll(() => page.evaluate(`document.activeElement?.dataset.testid`))
      .toBe('details-open');
    // The draft is still there.
    expect(await page.getByTestId('composer').inputValue()).toContain('Hello Jane');

    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await page.getByTestId('conversation-list').waitFor();
    expect(page.url()).toContain('view=unassigned');

    // The profile and every settings screen fit the phone.
    await menu.click();
    await page.getByTestId('menu-drawer').getByTestId('profile-link').click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectFits(page, 'profile');
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-profile-en.png`, fullPage: true });
    // Each screen, and its form for a new item where it has one.
    const byTestId = (id: string) => (p: Page) => p.getByTestId(id);
    const screens: [string, ((p: Page) => Locator) | null][] = [
      ['workspace', null],
      ['users', null],
      ['teams', byTestId('team-new')],
      ['skills', (p) => p.getByRole('button', { name: 'New skill' })],
      ['routing-rules', byTestId('rule-new')],
      ['mailboxes', (p) => p.getByRole('button', { name: 'New mailbox' })],
      ['canned-responses', byTestId('canned-new')],
      ['acknowledgements', null],
      ['custom-fields', byTestId('field-new')],
      ['widget', null],
    ];
    for (const [path, newItem] of screens) {
      await page.goto(`${app.base}/app/settings/${path}`);
      await page.getByRole('navigation', { name: 'Settings sections' }).waitFor();
      await page.waitForLoadState('networkidle');
      await expectFits(page, `settings/${path}`);
      if (!newItem) continue;
      await newItem(page).click();
      await page.getByRole('button', { name: 'Save' }).waitFor();
      await expectFits(page, `settings/${path}, a new one`);
      if (path === 'routing-rules')
        await page.screenshot({
          path: `${SCREENSHOTS}/mobile-settings-rule-en.png`,
          fullPage: true,
        });
    }

    // Signing out from the drawer.
    await page.goto(`${app.base}/app/`);
    await page.getByTestId('list-title').waitFor();
    await page.getByTestId('menu-open').click();
    await page.getByTestId('menu-drawer').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/app\/login$/);
    const after = await page.request.get(`${app.base}/api/v1/me`);
    expect(after.status()).toBe(401);
    await page.context().close();
  });

  it('reaches the details at tablet width, beside the list', async () => {
    const page = await newPage(TABLET);
    await signIn(page);
    await page.goto(`${app.base}/app/?view=open`);
    await page.getByTestId('conversation-row').first().click();
    await page.getByTestId('composer').waitFor();
    // With a mouse the composer says how to send from the keyboard.
    expect(await page.getByTestId('composer-hint').textContent()).toBe('Ctrl+Enter sends');
    expect(await page.getByTestId('composer-hint').isVisible()).toBe(true);
    // List and conversation side by side; the sidebar and the details on demand.
    expect(await page.getByTestId('conversation-list').isVisible()).toBe(true);
    expect(await page.getByRole('complementary').count()).toBe(0);
    await expectFits(page, 'tablet conversation');
    await expectNotificationsOnScreen(page);
    await page.screenshot({ path: `${SCREENSHOTS}/tablet-conversation-en.png` });
    await page.getByTestId('details-open').click();
    const details = await settled(page, 'details-drawer');
    await details.getByTestId('status-select').waitFor();
    await details.getByTestId('assignee-select').waitFor();
    await details.getByTestId('customer-edit').waitFor();
    await expectAccessible(page, '[data-testid=details-drawer]');
    await page.screenshot({ path: `${SCREENSHOTS}/tablet-details-en.png` });
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
    await page.getByTestId('menu-open').click();
    await settled(page, 'menu-drawer');
    await expectAccessible(page, '[data-testid=menu-drawer]');
    await page.context().close();

    // At desktop width both stay where they were: inline, no buttons.
    const desktop = await newPage({ width: 1280, height: 860 });
    await signIn(desktop);
    await desktop.goto(`${app.base}/app/?view=open`);
    await desktop.getByTestId('conversation-row').first().click();
    await desktop.getByTestId('details-panel').waitFor();
    expect(await desktop.getByTestId('details-open').count()).toBe(0);
    expect(await desktop.getByTestId('menu-open').count()).toBe(0);
    await desktop.getByRole('navigation', { name: 'Views' }).waitFor();
    await desktop.context().close();

    // A touch screen as wide as a desktop: no keyboard hint either.
    const touch = await app.browser.newContext({
      viewport: { width: 1280, height: 860 },
      hasTouch: true,
      isMobile: true,
    });
    const tablet = await touch.newPage();
    await signIn(tablet);
    await tablet.goto(`${app.base}/app/?view=open`);
    await tablet.getByTestId('conversation-row').first().click();
    await tablet.getByTestId('composer').waitFor();
    expect(await tablet.evaluate('matchMedia("(pointer: coarse)").matches')).toBe(true);
    expect(await tablet.getByTestId('composer-hint').isVisible()).toBe(false);
    await touch.close();
  });

  it('is right to left in Persian at phone width, and fits in Chinese', async () => {
    const page = await newPage(PHONE);
    await signIn(page, 'fa');
    await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe('rtl');
    // The drawer comes from the start side: the right.
    await page.getByTestId('menu-open').click();
    const drawer = await settled(page, 'menu-drawer');
    const box = await drawer.boundingBox();
    expect(Math.round((box?.x ?? 0) + (box?.width ?? 0))).toBe(PHONE.width);
    expect(box?.x ?? 0).toBeGreaterThan(0);
    await expectAccessible(page, '[data-testid=menu-drawer]');
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-menu-fa.png` });
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });

    await page.goto(`${app.base}/app/?view=open`);
    await page.getByTestId('conversation-row').filter({ hasText: 'پشتیبانی مشتریان' }).click();
    await page.getByRole('heading', { name: 'پشتیبانی مشتریان' }).waitFor();
    await page.getByTestId('timeline').waitFor();
    await expectFits(page, 'conversation (fa)');
    await expectAccessible(page);
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-conversation-fa.png` });
    // The details from the end side: the left.
    await page.getByTestId('details-open').click();
    const details = await settled(page, 'details-drawer');
    expect((await details.boundingBox())?.x).toBe(0);
    await expectAccessible(page, '[data-testid=details-drawer]');
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-details-fa.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, '[data-testid=details-drawer]');
    await page.screenshot({ path: `${SCREENSHOTS}/mobile-details-dark-fa.png` });
    await page.context().close();

    const zh = await newPage(PHONE);
    await signIn(zh, 'zh');
    await zh.goto(`${app.base}/app/?view=pending`);
    await zh.getByTestId('conversation-row').filter({ hasText: '提升业务' }).click();
    await zh.getByTestId('timeline').waitFor();
    await expectFits(zh, 'conversation (zh)');
    await zh.getByTestId('details-open').click();
    const zhDetails = await settled(zh, 'details-drawer');
    await zhDetails.getByTestId('status-select').waitFor();
    await expect.poll(() => zhDetails.textContent()).toContain('wang.fang@example.cn');
    await expectAccessible(zh, '[data-testid=details-drawer]');
    await zh.screenshot({ path: `${SCREENSHOTS}/mobile-details-zh.png` });
    await zh.context().close();
  });
});
