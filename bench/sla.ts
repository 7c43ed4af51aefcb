import { DateTime } from 'luxon';
import pg from 'pg';
import {
  addBusinessTime,
  compileCalendar,
  publicHolidayDates,
  type CalendarSpec,
} from '../apps/server/src/modules/sla/calendar.js';
import { computeClocks } from '../apps/server/src/modules/sla/clocks.js';
import { loop } from './lib/measure.js';
import { ratio, type Scenario } from './lib/scenario.js';

const H = 3_600_000;

/** A Stockholm office with a lunch break and Swedish public holidays. */
const spec: CalendarSpec = {
  timeZone: 'Europe/Stockholm',
  alwaysOpen: false,
  weeklyHours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [
      d,
      [
        { from: '08:00', to: '12:00' },
        { from: '13:00', to: '17:00' },
      ],
    ]),
  ),
  holidays: { country: 'SE' },
  closedDates: ['2026-12-24', '2026-12-31'],
};

/**
 * The obvious way to add business time, for the baseline: walk day by day with luxon, each
 * day's intervals built from the wall clock, holidays looked up per day.
 */
function naiveAdd(start: number, ms: number, closed: Set<string>): number {
  let left = ms;
  let day = DateTime.fromMillis(start, { zone: spec.timeZone }).startOf('day');
  for (let guard = 0; guard < 3660; guard++) {
    const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
    const intervals = spec.weeklyHours[names[day.weekday - 1] ?? 'mon'] ?? [];
    if (!closed.has(day.toISODate() ?? '')) {
      for (const interval of intervals) {
        const [fh, fm] = interval.from.split(':').map(Number);
        const [th, tm] = interval.to.split(':').map(Number);
        const from = Math.max(day.set({ hour: fh ?? 0, minute: fm ?? 0 }).toMillis(), start);
        const to = day.set({ hour: th ?? 0, minute: tm ?? 0 }).toMillis();
        if (to <= from) continue;
        if (to - from >= left) return from + left;
        left -= to - from;
      }
    }
    day = day.plus({ days: 1 });
  }
  throw new Error('never open');
}

/** Deterministic pseudo-random numbers (the same inputs in both loops). */
function* inputs(): Generator<[number, number]> {
  let x = 12345;
  const from = Date.parse('2026-01-01T00:00:00Z');
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const start = from + (x % (700 * 24)) * H + (x % 3600) * 1000;
    const ms = (15 + (x % (3 * 8 * 60))) * 60_000; // 15 minutes … 3 working days
    yield [start, ms];
  }
}

/** Operations per second of a synchronous function over `seconds` (checked every 1,000 calls). */
function rate(seconds: number, run: (start: number, ms: number) => number) {
  const source = inputs();
  let count = 0;
  let sink = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) {
      const [start, ms] = source.next().value as [number, number];
      sink += run(start, ms);
    }
    count += 1000;
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (sink === 0) throw new Error('nothing computed');
  return Math.round(count / elapsed);
}

/**
 * SLA: due times on a business-hours calendar with holidays (in process, beside the obvious
 * luxon day walk), full clock evaluations, and the scan for conversations due within the
 * next minute at the seeded size (beside a primary-key lookup on the same table).
 */
export const scenario: Scenario = {
  name: 'sla',
  description:
    'due-time computations/s on a calendar with holidays; conversations due within the next minute',
  needsData: true,
  async run(context) {
    const seconds = Math.min(context.duration, 5);
    const calendar = compileCalendar(spec, Date.parse('2026-06-01T00:00:00Z'));
    const closed = new Set<string>(spec.closedDates);
    for (const year of [2025, 2026, 2027, 2028])
      for (const h of publicHolidayDates('SE', null, year)) closed.add(h.date);
    // Both agree (a sample), so the baseline does the same work.
    const check = inputs();
    for (let i = 0; i < 200; i++) {
      const [start, ms] = check.next().value as [number, number];
      if (addBusinessTime(calendar, start, ms) !== naiveAdd(start, ms, closed))
        throw new Error(`due times differ for ${String(start)} + ${String(ms)}`);
    }
    const naive = rate(seconds, (start, ms) => naiveAdd(start, ms, closed));
    const compiled = rate(seconds, (start, ms) => addBusinessTime(calendar, start, ms) ?? 0);
    const policy = {
      targets: {
        firstResponse: { seconds: 4 * 3600, businessHours: true },
        nextResponse: { seconds: 2 * 3600, businessHours: true },
        resolution: { seconds: 5 * 86_400, businessHours: false },
      },
      pauseOnHold: true,
      warnAtPercent: [75],
    };
    const evaluations = rate(seconds, (start) => {
      const clocks = computeClocks(
        policy,
        calendar,
        {
          status: 'open',
          createdAt: start,
          firstResponseAt: start + H,
          waitingSince: start + 3 * H,
          lastAgentMessageAt: start + H,
          resolvedAt: null,
          closedAt: null,
        },
        [{ status: 'pending', from: start + 2 * H, to: start + 2.5 * H }],
        start + 4 * H,
      );
      return clocks.length;
    });

    // The breach scan on the seeded conversations: due times spread over the next 24 h of
    // a reference instant (set once per database, kept with it).
    const db = await context.database();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query('create table if not exists bench_sla (reference timestamptz not null)');
    let reference = (await pool.query<{ reference: Date }>('select reference from bench_sla'))
      .rows[0]?.reference;
    let prepared = 'reused';
    if (!reference) {
      const t0 = performance.now();
      reference = new Date();
      await pool.query(
        `update conversations set sla_due_at = $1::timestamptz + random() * interval '24 hours'
          where workspace_id = $2 and status in ('new', 'open', 'pending')`,
        [reference, db.workspaceId],
      );
      await pool.query('insert into bench_sla (reference) values ($1)', [reference]);
      await pool.query('vacuum analyze conversations');
      prepared = `set in ${String(Math.round((performance.now() - t0) / 100) / 10)} s`;
    }
    const { rows: counts } = await pool.query<{ running: number; due: number }>(
      `select count(*) filter (where sla_due_at is not null)::int as running,
              count(*) filter (where sla_due_at >= $2 and sla_due_at < $2::timestamptz + interval '1 minute')::int as due
         from conversations where workspace_id = $1`,
      [db.workspaceId, reference],
    );
    const ids = (
      await pool.query<{ id: string }>(
        'select id from conversations where workspace_id = $1 limit 1000',
        [db.workspaceId],
      )
    ).rows.map((r) => r.id);
    const lookup = await loop({
      concurrency: 1,
      duration: seconds,
      run: async (i) => {
        await pool.query(
          'select id, status from conversations where workspace_id = $1 and id = $2',
          [db.workspaceId, ids[i % ids.length]],
        );
      },
    });
    const scan = await loop({
      concurrency: 1,
      duration: seconds,
      run: async (i) => {
        // Each run looks at another minute of the day.
        const at = new Date(reference.getTime() + (i % 1440) * 60_000);
        await pool.query(
          `select id, sla_due_at from conversations
            where workspace_id = $1 and sla_due_at >= $2 and sla_due_at < $2::timestamptz + interval '1 minute'
            order by sla_due_at`,
          [db.workspaceId, at],
        );
      },
    });
    const plan = await pool.query<{ 'QUERY PLAN': string }>(
      `explain select id, sla_due_at from conversations
        where workspace_id = $1 and sla_due_at >= $2 and sla_due_at < $2::timestamptz + interval '1 minute'
        order by sla_due_at`,
      [db.workspaceId, reference],
    );
    await pool.end();

    return {
      figures: [
        {
          name: 'due times (business hours, SE holidays)',
          unit: 'ops/s',
          value: compiled,
          baseline: { name: 'luxon day-by-day walk, same inputs', value: naive },
          ratio: ratio(compiled, naive),
          target: { text: '≥ 100,000/s', met: compiled >= 100_000 },
        },
        {
          name: 'SLA clock evaluations (3 targets, pause, warning)',
          unit: 'ops/s',
          value: evaluations,
          baseline: { name: 'due times', value: compiled },
          ratio: ratio(evaluations, compiled),
          target: null,
        },
        {
          name: 'conversations due within the next minute, p95',
          unit: 'ms',
          value: scan.p95,
          baseline: { name: 'primary-key lookup p95', value: lookup.p95 },
          ratio: ratio(scan.p95, lookup.p95),
          target: { text: '≤ 200 ms', met: scan.p95 <= 200 },
          stats: scan,
          baselineStats: lookup,
        },
      ],
      notes: [
        `${counts[0]?.running.toLocaleString('en') ?? '?'} conversations with a running SLA clock (due times ${prepared}), ${counts[0]?.due.toLocaleString('en') ?? '?'} due in the first minute`,
        `plan: ${plan.rows.map((r) => r['QUERY PLAN'].trim()).join(' / ')}`,
        `compiling the calendar (3 years, holidays) is done once per calendar version and cached`,
      ],
    };
  },
};
