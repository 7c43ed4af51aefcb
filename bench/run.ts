/**
 * `npm run bench` — every scenario; `npm run bench -- <name> [--size N] [--duration S]` — one.
 * `--smoke` runs each for one second on a tiny database to prove it still works (CI).
 * Prints a table, writes bench/results/<scenario>.json and, for full runs, the table in
 * bench/README.md.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDatabase, databaseServer, type BenchDatabase } from './lib/env.js';
import {
  commit,
  machine,
  table,
  updateReadme,
  writeResult,
  type ScenarioResult,
} from './lib/report.js';
import type { Scenario } from './lib/scenario.js';
import { scenario as httpBaseline } from './http-baseline.js';
import { scenario as create } from './create.js';
import { scenario as inbox } from './inbox.js';
import { scenario as start } from './start.js';
import { scenario as search } from './search.js';
import { scenario as email } from './email.js';
import { scenario as app } from './app.js';
import { scenario as chat } from './chat.js';
import { scenario as routing } from './routing.js';
import { scenario as sla } from './sla.js';

const scenarios: Scenario[] = [
  httpBaseline,
  create,
  inbox,
  search,
  email,
  chat,
  app,
  routing,
  sla,
  start,
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string' },
    duration: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke;
const size = Number(values.size ?? (smoke ? 1_000 : 100_000));
const duration = Number(values.duration ?? (smoke ? 1 : 10));
const chosen = positionals.length
  ? scenarios.filter((s) => positionals.includes(s.name))
  : scenarios;
const unknown = positionals.filter((p) => !scenarios.some((s) => s.name === p));
if (unknown.length || !Number.isInteger(size) || size < 100 || !(duration > 0)) {
  process.stderr.write(
    `usage: npm run bench -- [${scenarios.map((s) => s.name).join('|')}] [--size N≥100] [--duration S] [--smoke]\n`,
  );
  process.exit(2);
}

const resultsDir = resolve(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const server = await databaseServer();
const shared: { database: Promise<BenchDatabase> | null } = { database: null };
const results: ScenarioResult[] = [];
try {
  for (const scenario of chosen) {
    process.stderr.write(`▶ ${scenario.name}: ${scenario.description}\n`);
    const context = {
      size,
      duration,
      smoke,
      serverUrl: server.url,
      database: () => (shared.database ??= benchDatabase(server.url, size)),
    };
    const outcome = await scenario.run(context);
    const seeding = scenario.needsData && shared.database ? (await shared.database).seeding : null;
    const result: ScenarioResult = {
      scenario: scenario.name,
      ...outcome,
      size: scenario.needsData ? size : 0,
      seeding,
    };
    results.push(result);
    if (!smoke) {
      writeResult(resultsDir, result, {
        date: new Date().toISOString(),
        commit: commit(),
        machine: machine(),
        duration,
      });
    }
  }
} finally {
  if (shared.database) await (await shared.database).runtime.close();
  await server.stop();
}

process.stdout.write(`\n${table(results, { judged: !smoke })}\n\n`);
for (const r of results)
  for (const note of r.notes) process.stdout.write(`  ${r.scenario}: ${note}\n`);
const seeded = results.find((r) => r.seeding);
if (seeded?.seeding) {
  process.stdout.write(
    `  data: ${size.toLocaleString('en')} conversations, seeded in ${seeded.seeding.seconds} s${seeded.seeding.reused ? ' (reused from an earlier run)' : ''}\n`,
  );
}
if (smoke) process.stdout.write('  smoke run: figures not judged\n');
else await updateReadme(resolve(import.meta.dirname, 'README.md'), resultsDir);
