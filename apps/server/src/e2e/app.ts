import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { hashPassword } from '../modules/auth/passwords.js';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../test/harness.js';
import { exited, startParley } from '../test/parley-process.js';
import { chromiumPath, SCREENSHOTS } from './browser.js';

/** A running `parley start` with the demo workspace, and a Chromium to drive it. */
export interface AgentApp {
  base: string;
  /** The demo owner's password, from the start-up banner. */
  password: string;
  browser: Browser;
  stop: () => Promise<void>;
}

/**
 * Builds the agent app, starts Parley on a fresh database and Chromium; the demo agents
 * named in `passwords` get those passwords (email → password).
 */
export async function startAgentApp(passwords: Record<string, string> = {}): Promise<AgentApp> {
  // The agent app must be built; the server serves what is there.
  execFileSync('npm', ['run', 'build', '-w', '@parley/web'], { stdio: 'ignore' });
  const databaseUrl = await createTestDatabase();
  const parley = await startParley({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    DATA_DIR: scratchDir(),
    PORT: String(await freePort()),
    SMTP_PORT: String(await freePort()),
  });
  const base = /Open\s+(http:\/\/\S+)/.exec(parley.banner)?.[1] ?? '';
  const password = /Password\s+(\S+)/.exec(parley.banner)?.[1] ?? '';
  expect(base).toMatch(/^http/);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  for (const [email, secret] of Object.entries(passwords))
    await db.query(`update users set password_hash = $1 where email = $2`, [
      await hashPassword(secret),
      email,
    ]);
  await db.end();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    base,
    password,
    browser,
    stop: async () => {
      await browser.close();
      parley.child.kill('SIGINT');
      await exited(parley.child);
      await dropTestDatabase(databaseUrl);
    },
  };
}

/** Signs in through the login page in `locale` (the owner unless someone else is given). */
export async function signIn(
  app: AgentApp,
  page: Page,
  as = { email: 'owner@demo.localhost', password: '' },
  locale = 'en',
) {
  // Strings, not functions: the server's TypeScript has no DOM types.
  await page.addInitScript(`localStorage.setItem('parley.locale', ${JSON.stringify(locale)})`);
  await page.goto(`${app.base}/`);
  await page.getByLabel(/email|e-post|ایمیل|邮箱/i).fill(as.email);
  await page.locator('input[type=password]').fill(as.password || app.password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('list-title').waitFor();
}

/** No serious or critical accessibility violations on the page as it is. */
export async function expectAccessible(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
    [],
  );
}

/** What the API says now, with the page's own session. */
export async function apiGet<T>(app: AgentApp, page: Page, path: string): Promise<T> {
  const response = await page.request.get(`${app.base}/api/v1${path}`);
  expect(response.status(), path).toBe(200);
  return (await response.json()) as T;
}
