import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../test/harness.js';
import { exited, startParley } from '../test/parley-process.js';

/** Screenshots a person can look at (CI keeps this folder as an artifact; see the README). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../../../artifacts/screenshots');

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

/** A built agent app served by its own `parley start` on a fresh database, and a Chromium. */
export interface AgentApp {
  base: string;
  databaseUrl: string;
  /** The demo owner's password, from the banner. */
  password: string;
  browser: Browser;
  stop: () => Promise<void>;
}

/** Builds the agent app, starts Parley on a new test database and launches Chromium. */
export async function startAgentApp(): Promise<AgentApp> {
  // The server serves what is built.
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
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    base: /Open\s+(http:\/\/\S+)/.exec(parley.banner)?.[1] ?? '',
    password: /Password\s+(\S+)/.exec(parley.banner)?.[1] ?? '',
    databaseUrl,
    browser,
    stop: async () => {
      await browser.close();
      parley.child.kill('SIGINT');
      await exited(parley.child);
      await dropTestDatabase(databaseUrl);
    },
  };
}

/** Signs in through the login page in `locale` and waits for the inbox. */
export async function signIn(
  page: Page,
  base: string,
  as: { email: string; password: string },
  locale = 'en',
): Promise<void> {
  await page.addInitScript(`localStorage.setItem('parley.locale', ${JSON.stringify(locale)})`);
  await page.goto(`${base}/`);
  await page.getByLabel(/email|e-post|ایمیل|邮箱/i).fill(as.email);
  await page.locator('input[type=password]').fill(as.password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('list-title').waitFor();
}

/** No serious or critical accessibility violations on the page, or in the part `include` selects. */
export async function expectAccessible(page: Page, include?: string) {
  const axe = new AxeBuilder({ page });
  if (include) axe.include(include);
  const { violations } = await axe.analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
    [],
  );
}
