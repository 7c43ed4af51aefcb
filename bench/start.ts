import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Scenario } from './lib/scenario.js';

const root = resolve(import.meta.dirname, '..');

/** Milliseconds from spawning `args` until its output matches `ready`; then stops it with SIGINT. */
function timeToReady(args: string[], env: Record<string, string>, ready: RegExp): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let elapsed = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!elapsed && ready.test(output)) {
        elapsed = performance.now() - started;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', () =>
      elapsed ? done(elapsed) : fail(new Error(`${args.join(' ')} never got ready: ${output}`)),
    );
  });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * `parley start` to ready on an embedded database that already exists (the everyday
 * restart), beside a bare Node.js HTTP server starting on the same machine.
 */
export const scenario: Scenario = {
  name: 'start',
  description:
    '`parley start` to ready on existing embedded data, beside a hello-world node process',
  needsData: false,
  async run({ smoke }) {
    const dataDir = resolve(root, 'data/bench-start');
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      SMTP_PORT: '0',
      EMBEDDED_PG_PORT: '54351',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    };
    const banner = /Jobs\s+/;
    const first = await timeToReady(['apps/server/bin/parley.js', 'start'], env, banner);
    const runs = smoke ? 1 : 5;
    const starts: number[] = [];
    const hellos: number[] = [];
    for (let i = 0; i < runs; i++) {
      starts.push(await timeToReady(['apps/server/bin/parley.js', 'start'], env, banner));
      hellos.push(
        await timeToReady([resolve(import.meta.dirname, 'lib/hello-node.mjs')], {}, /listening/),
      );
    }
    rmSync(dataDir, { recursive: true, force: true });
    const value = Math.round(median(starts));
    const baseline = Math.round(median(hellos));
    return {
      figures: [
        {
          name: 'start to ready, existing data (median)',
          unit: 'ms',
          value,
          baseline: { name: 'node hello-world start', value: baseline },
          ratio: Math.round((value / baseline) * 10) / 10,
          target: { text: '≤ 3,000 ms', met: value <= 3000 },
          runs,
        },
        {
          name: 'first start (initdb, migrations, demo seed)',
          unit: 'ms',
          value: Math.round(first),
          baseline: null,
          ratio: null,
          target: null,
        },
      ],
      notes: [`${runs} restarts: ${starts.map((s) => Math.round(s)).join(', ')} ms`],
    };
  },
};
