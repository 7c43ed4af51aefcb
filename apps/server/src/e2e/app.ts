import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../test/harness.js';
import { exited, startParley, type ParleyProcess } from '../test/parley-process.js';
import { chromiumPath, SCREENSHOTS } from './browser.js';

/** A built agent app served by a real `parley start` on its own database, and a browser. */
export interface AgentApp {
  parley: ParleyProcess;
  databaseUrl: string;
  /** http://host:port (the app is under /app). */
  base: string;
  /** The demo owner's password, from the banner. */
  password: string;
  browser: Browser;
}

export async function startAgentApp(): Promise<AgentApp> {
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
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return { parley, databaseUrl, base, password, browser };
}

export async function stopAgentApp(app: AgentApp): Promise<void> {
  await app.browser.close();
  app.parley.child.kill('SIGINT');
  await exited(app.parley.child);
  await dropTestDatabase(app.databaseUrl);
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

/** axe finds nothing serious or critical on the page. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
    [],
  );
}
