import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { useTestApp } from '../test/harness.js';
import { defineJob, enqueue, InlineJobs, startWorker, type Worker } from './jobs.js';

const t = useTestApp();
const log = pino({ level: 'silent' });

const runs: { name: string; payload: unknown; attempt: number; at: number }[] = [];
let flakyFailures = 1;

const Echo = Type.Object({ text: Type.String() }, { additionalProperties: false });
const echo = defineJob({
  name: 'test.echo',
  payload: Echo,
  async handler(payload, context) {
    runs.push({ name: 'echo', payload, attempt: context.attempt, at: Date.now() });
  },
});
const flaky = defineJob({
  name: 'test.flaky',
  payload: Echo,
  maxAttempts: 3,
  async handler(payload, context) {
    runs.push({ name: 'flaky', payload, attempt: context.attempt, at: Date.now() });
    if (flakyFailures-- > 0) throw new Error('not yet');
  },
});
const nightly = defineJob({
  name: 'test.nightly',
  payload: Echo,
  cron: { pattern: '0 4 * * *', payload: { text: 'night' } },
  async handler() {},
});

let worker: Worker | null = null;
afterAll(async () => worker?.stop());

describe('jobs', () => {
  it('runs a job enqueued in a committed transaction, never one rolled back', async () => {
    worker = await startWorker({
      pool: t.services.pool,
      jobs: [echo, flaky, nightly],
      concurrency: 2,
      log,
    });
    await t.services.db
      .transaction()
      .execute(async (trx) => {
        await enqueue(trx, echo, { text: 'rolled back' });
        throw new Error('abort');
      })
      .catch(() => undefined);
    await t.services.db
      .transaction()
      .execute((trx) => enqueue(trx, echo, { text: 'Witaj — 你好 — سلام' }));
    await vi.waitFor(() => expect(runs.filter((r) => r.name === 'echo')).toHaveLength(1), {
      timeout: 5_000,
    });
    expect(runs[0]?.payload).toEqual({ text: 'Witaj — 你好 — سلام' });
  });

  it('frees a job a killed worker left locked, but never a live worker’s', async () => {
    // One job locked by a worker that died a minute ago, one by a live one (fresh heartbeat),
    // committed together so the running worker never sees them unlocked.
    await t.services.db.transaction().execute(async (trx) => {
      await enqueue(trx, echo, { text: 'orphaned' });
      await enqueue(trx, echo, { text: 'busy elsewhere' });
      await sql`
        update graphile_worker._private_jobs j set locked_by = x.worker, locked_at = now() - interval '1 minute'
          from (values ('orphaned', 'worker-dead'), ('busy elsewhere', 'worker-alive')) as x(text, worker)
         where j.payload->>'text' = x.text`.execute(trx);
    });
    await t.services.pool.query(
      "insert into worker_heartbeats (worker_id, seen_at) values ('worker-alive', now() + interval '1 hour')",
    );
    await vi.waitFor(
      () =>
        expect(runs.some((r) => (r.payload as { text: string }).text === 'orphaned')).toBe(true),
      { timeout: 20_000, interval: 200 },
    );
    expect(runs.some((r) => (r.payload as { text: string }).text === 'busy elsewhere')).toBe(false);
    const { rows } = await t.services.pool.query<{ locked_by: string | null }>(
      "select locked_by from graphile_worker._private_jobs where payload->>'text' = 'busy elsewhere'",
    );
    expect(rows).toEqual([{ locked_by: 'worker-alive' }]);
  }, 30_000);

  it('refuses a payload that does not match the job type', async () => {
    await expect(enqueue(t.services.db, echo, { text: 42 } as never)).rejects.toThrow(
      /invalid payload for job test.echo/,
    );
  });

  it('runs a delayed job no earlier than asked', async () => {
    const at = Date.now();
    await enqueue(t.services.db, echo, { text: 'later' }, { runAt: new Date(at + 1_500) });
    await vi.waitFor(
      () => expect(runs.some((r) => (r.payload as { text: string }).text === 'later')).toBe(true),
      {
        timeout: 8_000,
      },
    );
    const run = runs.find((r) => (r.payload as { text: string }).text === 'later');
    expect(run?.at).toBeGreaterThanOrEqual(at + 1_400);
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    await enqueue(t.services.db, flaky, { text: 'retry me' });
    await vi.waitFor(() => expect(runs.filter((r) => r.name === 'flaky')).toHaveLength(2), {
      timeout: 15_000,
      interval: 100,
    });
    const [first, second] = runs.filter((r) => r.name === 'flaky');
    expect(first?.attempt).toBe(1);
    expect(second?.attempt).toBe(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it('registers cron schedules with the queue', async () => {
    const { rows } = await t.services.pool.query<{ identifier: string }>(
      'select identifier from graphile_worker._private_known_crontabs',
    );
    expect(rows.map((r) => r.identifier)).toContain('test.nightly');
  });
});

describe('inline jobs', () => {
  const pendingJob = async (key: string) =>
    (
      await t.services.pool.query<{ payload: unknown; run_at: Date }>(
        'select payload, run_at from graphile_worker._private_jobs where key = $1',
        [key],
      )
    ).rows[0];

  it('removes the backstop job once the inline run succeeded, keeps it when the run failed', async () => {
    const inline = new InlineJobs(t.services.pool, log, 2);
    const runAt = new Date(Date.now() + inline.backstopMs);
    await enqueue(t.services.db, echo, { text: 'inline ok' }, { jobKey: 'inline:ok', runAt });
    await enqueue(t.services.db, echo, { text: 'inline fails' }, { jobKey: 'inline:bad', runAt });
    expect(await pendingJob('inline:ok')).toBeDefined();

    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    inline.run('inline:ok', () => gate);
    inline.run('inline:bad', () => Promise.reject(new Error('disk on fire')));
    // Two running (the failed one is still settling or done): the limit is 2.
    expect(inline.saturated).toBe(true);
    release();
    await inline.drain();
    expect(inline.saturated).toBe(false);

    expect(await pendingJob('inline:ok')).toBeUndefined();
    const kept = await pendingJob('inline:bad');
    expect(kept?.payload).toEqual({ text: 'inline fails' });
    expect(kept?.run_at.getTime()).toBe(runAt.getTime());
  });
});
