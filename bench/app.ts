import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { hashPassword } from '../apps/server/src/modules/auth/passwords.js';
import { WEB_DIST } from '../apps/server/src/web.js';
import { startParley } from './lib/env.js';
import { ratio, type Scenario } from './lib/scenario.js';

const PASSWORD = 'bench-password-1';
const LOADS = 5;

/** Gzip size (KB) of what the first load of /app fetches: the JS and CSS index.html names. */
function firstLoadKb(): { js: number; css: number } {
  const html = readFileSync(resolve(WEB_DIST, 'index.html'), 'utf8');
  const sizes = { js: 0, css: 0 };
  for (const [, path] of html.matchAll(/(?:src|href)="\/app\/(assets\/[^"]+\.(?:js|css))"/g)) {
    if (!path) continue;
    const bytes = gzipSync(readFileSync(resolve(WEB_DIST, path)), { level: 9 }).length;
    if (path.endsWith('.js')) sizes.js += bytes;
    else sizes.css += bytes;
  }
  return { js: Math.round(sizes.js / 102.4) / 10, css: Math.round(sizes.css / 102.4) / 10 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Milliseconds from navigation to `ready` holding, LOADS times (fresh page each time). */
async function timeLoads(
  newPage: () => Promise<Page>,
  url: string,
  ready: (page: Page) => Promise<unknown>,
) {
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const page = await newPage();
    const started = performance.now();
    await page.goto(url);
    await ready(page);
    times.push(performance.now() - started);
    await page.close();
  }
  return Math.round(median(times));
}

/**
 * The agent app: the gzip size of its first load, and the time from navigation to an
 * interactive inbox (an agent's open conversations listed) in headless Chromium, against
 * the seeded database, beside loading a plain Parley URL in the same browser.
 */
export const scenario: Scenario = {
  name: 'app',
  description: 'agent app first-load size (gzip) and navigation → inbox rows in headless Chromium',
  needsData: true,
  async run(context) {
    const size = firstLoadKb();
    const db = await context.database();
    const agentId = db.agents[0] ?? '';
    const agent = await db.services.db
      .updateTable('users')
      .set({ passwordHash: await hashPassword(PASSWORD) })
      .where('id', '=', agentId)
      .returning('email')
      .executeTakeFirstOrThrow();
    const parley = await startParley(db.url);
    const browser = await chromium.launch({
      executablePath:
        process.env.CHROMIUM_PATH ??
        execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim(),
      args: ['--no-sandbox'],
    });
    let inboxMs = 0;
    let plainMs = 0;
    try {
      const browserContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const login = await browserContext.newPage();
      await login.goto(`${parley.url}/app/login`);
      await login.locator('input[type=email]').fill(agent.email);
      await login.locator('input[type=password]').fill(PASSWORD);
      await login.locator('button[type=submit]').click();
      await login.getByTestId('list-title').waitFor();
      await login.close();
      const newPage = () => browserContext.newPage();
      plainMs = await timeLoads(newPage, `${parley.url}/healthz`, (p) =>
        p.waitForLoadState('load'),
      );
      inboxMs = await timeLoads(newPage, `${parley.url}/app/?view=open`, (p) =>
        p.getByTestId('conversation-row').nth(9).waitFor(),
      );
    } finally {
      await browser.close();
      await parley.stop();
    }
    const total = Math.round((size.js + size.css) * 10) / 10;
    return {
      figures: [
        {
          name: 'agent app first load, gzip',
          unit: 'KB',
          value: total,
          baseline: null,
          ratio: null,
          target: { text: '≤ 250 KB', met: total <= 250 },
        },
        {
          name: 'navigation → interactive inbox (median)',
          unit: 'ms',
          value: inboxMs,
          baseline: { name: 'a plain Parley URL in the same browser', value: plainMs },
          ratio: ratio(inboxMs, plainMs),
          target: null,
          runs: LOADS,
        },
      ],
      notes: [
        `first load: ${String(size.js)} KB JS + ${String(size.css)} KB CSS (gzip -9); inbox = all open conversations (a page of 50), 10 rows rendered (the list is virtualised), signed in, cache warm after the first of ${String(LOADS)} loads`,
      ],
    };
  },
};
