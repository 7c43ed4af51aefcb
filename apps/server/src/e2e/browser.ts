import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { hashPassword } from '../modules/auth/passwords.js';
import { WEB_DIST } from '../web.js';
import { createTestDatabase, dropTestDatabase, freePort, scratchDir } from '../test/harness.js';
import { exited, startParley } from '../test/parley-process.js';

/** Screenshots a person can look at (CI keeps this folder as an artifact; see the README). */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../../../artifacts/screenshots');

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

/**
 * Builds the agent app once per test run (the server serves what is built). Each e2e file
 * runs its own `parley start` over apps/web/dist, and a build empties that folder first: a
 * second build while another file's browser loads the app would pull the files from under
 * it. The first file here builds, holding a lock directory; the others wait for its marker.
 * Files of one run share their parent process (vitest's), which names the run.
 */
export async function buildAgentAppOnce(): Promise<void> {
  const run = String(process.ppid);
  const marker = resolve(WEB_DIST, `.built-by-run-${run}`);
  const lock = resolve(tmpdir(), `parley-web-build-${run}`);
  if (existsSync(marker)) return;
  try {
    mkdirSync(lock);
  } catch {
    // Another file is building: wait for it (a build takes well under a minute).
    const deadline = Date.now() + 300_000;
    while (!existsSync(marker)) {
      if (Date.now() > deadline) throw new Error('the agent app build did not finish');
      await sleep(250);
    }
    return;
  }
  try {
    execFileSync('npm', ['run', 'build', '-w', '@parley/web'], { stdio: 'ignore' });
    writeFileSync(marker, '');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A built agent app served by its own `parley start` on a fresh database, and a Chromium. */
export interface AgentApp {
  base: string;
  databaseUrl: string;
  /** The demo owner's password, from the banner. */
  password: string;
  /** Where Parley's SMTP listener takes mail for the demo mailbox. */
  smtpPort: number;
  browser: Browser;
  stop: () => Promise<void>;
}

/**
 * Builds the agent app, starts Parley on a new test database and launches Chromium; the demo
 * users named in `passwords` get those passwords (email → password); `env` adds to Parley's
 * (e.g. `SMTP_RELAY_URL` for a recipient MTA).
 */
export async function startAgentApp(
  passwords: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<AgentApp> {
  await buildAgentAppOnce();
  const databaseUrl = await createTestDatabase();
  const smtpPort = await freePort();
  const parley = await startParley({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    DATA_DIR: scratchDir(),
    PORT: String(await freePort()),
    SMTP_PORT: String(smtpPort),
    ...env,
  });
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
    base: /Open\s+(http:\/\/\S+)/.exec(parley.banner)?.[1] ?? '',
    password: /Password\s+(\S+)/.exec(parley.banner)?.[1] ?? '',
    databaseUrl,
    smtpPort,
    browser,
    stop: async () => {
      await browser.close();
      parley.child.kill('SIGINT');
      await exited(parley.child);
      await dropTestDatabase(databaseUrl);
    },
  };
}

/**
 * Signs in through the login page in `locale` (the owner unless someone else is given), and
 * keeps the app in `locale`: signing in applies the user's saved language, so when that is
 * another one the page is loaded again (the init script puts `locale` back, as the picker
 * would).
 */
export async function signIn(
  app: Pick<AgentApp, 'base' | 'password'>,
  page: Page,
  as = { email: 'owner@demo.localhost', password: '' },
  locale = 'en',
): Promise<void> {
  // Strings, not functions: the server's TypeScript has no DOM types.
  await page.addInitScript(`localStorage.setItem('parley.locale', ${JSON.stringify(locale)})`);
  await page.goto(`${app.base}/`);
  await page.getByLabel(/email|e-post|ایمیل|邮箱/i).fill(as.email);
  await page.locator('input[type=password]').fill(as.password || app.password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('list-title').waitFor();
  // Stored at once on sign-in (the page may still be fetching that language's strings).
  if ((await page.evaluate(`localStorage.getItem('parley.locale')`)) !== locale) {
    await page.reload();
    await page.getByTestId('list-title').waitFor();
  }
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

/** What the API says now, with the page's own session. */
export async function apiGet<T>(app: Pick<AgentApp, 'base'>, page: Page, path: string): Promise<T> {
  const response = await page.request.get(`${app.base}/api/v1${path}`);
  expect(response.status(), path).toBe(200);
  return (await response.json()) as T;
}

/** A link from a mail, on the app's server (the mail names PUBLIC_URL's host, maybe not its port). */
export function linkIn(app: Pick<AgentApp, 'base'>, text: string, path: RegExp): string {
  const found = new RegExp(`https?://\\S+?(${path.source}\\S*)`).exec(text);
  if (!found?.[1]) throw new Error(`no ${path.source} link in: ${text}`);
  return `${new URL(app.base).origin}${found[1]}`;
}

/** Rows of one SQL statement on the app's database (a connection of its own). */
export async function queryRows<T>(
  app: Pick<AgentApp, 'databaseUrl'>,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const db = new pg.Client({ connectionString: app.databaseUrl });
  await db.connect();
  try {
    return (await db.query(text, values)).rows as T[];
  } finally {
    await db.end();
  }
}
