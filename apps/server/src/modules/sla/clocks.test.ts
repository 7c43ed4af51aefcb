import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCalendar, isOpen } from './calendar.js';
import {
  computeClocks,
  dueNotices,
  nextNoticeAt,
  notePause,
  noticeKey,
  type ClockFacts,
  type ClockPolicy,
  type Pause,
} from './clocks.js';
import { choosePolicy, matchPolicy, type PolicyFacts } from './policy-match.js';

const H = 3_600_000;
const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

const nineToFive = { from: '09:00', to: '17:00' };
const office = compileCalendar(
  {
    timeZone: 'Europe/Stockholm',
    alwaysOpen: false,
    weeklyHours: {
      mon: [nineToFive],
      tue: [nineToFive],
      wed: [nineToFive],
      thu: [nineToFive],
      fri: [nineToFive],
    },
    holidays: { country: 'SE' },
    closedDates: [],
  },
  t('2026-06-01T00:00:00Z'),
);

const policy: ClockPolicy = {
  targets: {
    firstResponse: { seconds: 4 * 3600, businessHours: true },
    nextResponse: { seconds: 2 * 3600, businessHours: true },
    resolution: { seconds: 24 * 3600, businessHours: false },
  },
  pauseOnHold: false,
  warnAtPercent: [75],
};

// Monday 8 June 2026, 10:00 CEST.
const created = t('2026-06-08T08:00:00Z');
const facts = (over: Partial<ClockFacts> = {}): ClockFacts => ({
  status: 'new',
  createdAt: created,
  firstResponseAt: null,
  waitingSince: created,
  lastAgentMessageAt: null,
  resolvedAt: null,
  closedAt: null,
  ...over,
});
const clock = (clocks: ReturnType<typeof computeClocks>, target: string) => {
  const found = clocks.find((c) => c.target === target);
  if (!found) throw new Error(`no ${target} clock`);
  return found;
};

describe('SLA clocks', () => {
  it('puts due times in business hours, or around the clock when the target says so', () => {
    const clocks = computeClocks(policy, office, facts(), [], created);
    // 4 business hours from Monday 10:00 → 14:00; 75 % → 13:00.
    expect(iso(clock(clocks, 'firstResponse').dueAt)).toBe('2026-06-08T12:00:00.000Z');
    expect(clock(clocks, 'firstResponse').warnings).toEqual([
      { percent: 75, at: t('2026-06-08T11:00:00Z') },
    ]);
    // Resolution in calendar time: 24 h later.
    expect(iso(clock(clocks, 'resolution').dueAt)).toBe('2026-06-09T08:00:00.000Z');
    // No next response before the first one.
    expect(clock(clocks, 'nextResponse').startedAt).toBeNull();
  });

  it('meets the first response with the first reply and starts next-response cycles', () => {
    const replied = t('2026-06-08T09:00:00Z');
    const customer = t('2026-06-08T14:30:00Z'); // 16:30 local: half an hour left today
    const clocks = computeClocks(
      policy,
      office,
      facts({
        status: 'open',
        firstResponseAt: replied,
        lastAgentMessageAt: replied,
        waitingSince: customer,
      }),
      [],
      customer,
    );
    const first = clock(clocks, 'firstResponse');
    expect(first.metAt).toBe(replied);
    expect(first.breachedAt).toBeNull();
    const next = clock(clocks, 'nextResponse');
    expect(next.startedAt).toBe(customer);
    // 30 min on Monday + 1 h 30 on Tuesday → Tuesday 10:30 CEST.
    expect(iso(next.dueAt)).toBe('2026-06-09T08:30:00.000Z');
  });

  it('stops while pending and resumes where it stopped', () => {
    // Pending from 11:00 to 15:00 local (1 h counted before, 4 h paused).
    const pauses: Pause[] = [
      { status: 'pending', from: t('2026-06-08T09:00:00Z'), to: t('2026-06-08T13:00:00Z') },
    ];
    const during = computeClocks(
      policy,
      office,
      facts({ status: 'pending' }),
      [{ status: 'pending', from: t('2026-06-08T09:00:00Z'), to: null }],
      t('2026-06-08T12:00:00Z'),
    );
    expect(clock(during, 'firstResponse').paused).toBe(true);
    expect(clock(during, 'firstResponse').dueAt).toBeNull();
    expect(clock(during, 'firstResponse').elapsedMs).toBe(H);
    expect(nextNoticeAt(during, new Set())).toBeNull();
    const after = computeClocks(
      policy,
      office,
      facts({ status: 'open' }),
      pauses,
      t('2026-06-08T13:00:00Z'),
    );
    // 3 h left from 15:00: 2 h today, 1 h from Tuesday 09:00 → 10:00 CEST.
    expect(iso(clock(after, 'firstResponse').dueAt)).toBe('2026-06-09T08:00:00.000Z');
    expect(clock(after, 'firstResponse').paused).toBe(false);
  });

  it('counts on-hold time unless the policy pauses on hold', () => {
    const pauses: Pause[] = [
      { status: 'on_hold', from: t('2026-06-08T09:00:00Z'), to: t('2026-06-08T10:00:00Z') },
    ];
    const counted = computeClocks(policy, office, facts({ status: 'open' }), pauses, created);
    const paused = computeClocks(
      { ...policy, pauseOnHold: true },
      office,
      facts({ status: 'open' }),
      pauses,
      created,
    );
    expect(clock(paused, 'firstResponse').dueAt).toBe(
      (clock(counted, 'firstResponse').dueAt ?? 0) + H,
    );
  });

  it('breaches a target whose due time passed before it was met', () => {
    const late = t('2026-06-08T13:00:00Z');
    const clocks = computeClocks(
      policy,
      office,
      facts({
        status: 'open',
        firstResponseAt: late,
        lastAgentMessageAt: late,
        waitingSince: null,
      }),
      [],
      late,
    );
    expect(iso(clock(clocks, 'firstResponse').breachedAt)).toBe('2026-06-08T12:00:00.000Z');
    expect(clock(clocks, 'resolution').breachedAt).toBeNull();
  });

  it('meets resolution when resolved and stops counting', () => {
    const resolved = t('2026-06-08T10:00:00Z');
    const clocks = computeClocks(
      policy,
      office,
      facts({ status: 'resolved', resolvedAt: resolved }),
      [{ status: 'resolved', from: resolved, to: null }],
      t('2026-06-20T10:00:00Z'),
    );
    expect(clock(clocks, 'resolution').metAt).toBe(resolved);
    expect(clock(clocks, 'resolution').elapsedMs).toBe(2 * H);
    expect(nextNoticeAt(clocks, new Set())).toBeNull();
  });

  it('announces each warning and breach once, and a late check just the breach', () => {
    const clocks = computeClocks(policy, office, facts(), [], created);
    const first = clock(clocks, 'firstResponse');
    expect(nextNoticeAt(clocks, new Set())).toBe(t('2026-06-08T11:00:00Z'));
    const atWarning = dueNotices(clocks, new Set(), t('2026-06-08T11:00:00Z'));
    expect(atWarning.map((n) => [n.clock.target, n.kind, n.percent])).toEqual([
      ['firstResponse', 'warning', 75],
    ]);
    const fired = new Set([noticeKey(first, 75)]);
    expect(dueNotices(clocks, fired, t('2026-06-08T11:30:00Z'))).toEqual([]);
    expect(nextNoticeAt(clocks, fired)).toBe(t('2026-06-08T12:00:00Z'));
    // A check that comes only after the due time: the breach, with the warning moot.
    const late = dueNotices(clocks, new Set(), t('2026-06-08T12:05:00Z'));
    expect(late.map((n) => [n.clock.target, n.kind])).toEqual([['firstResponse', 'breach']]);
    expect(late[0]?.moot).toEqual([noticeKey(first, 75)]);
  });

  it('records pauses from the statuses seen', () => {
    let pauses: Pause[] = [];
    pauses = notePause(pauses, 'open', 1 * MIN);
    expect(pauses).toEqual([]);
    pauses = notePause(pauses, 'pending', 2 * MIN);
    pauses = notePause(pauses, 'pending', 3 * MIN);
    pauses = notePause(pauses, 'on_hold', 5 * MIN);
    pauses = notePause(pauses, 'open', 9 * MIN);
    expect(pauses).toEqual([
      { status: 'pending', from: 2 * MIN, to: 5 * MIN },
      { status: 'on_hold', from: 5 * MIN, to: 9 * MIN },
    ]);
  });
});

describe('policy choice', () => {
  const conversation: PolicyFacts = {
    priority: 'urgent',
    channel: 'email',
    teamId: 'team-1',
    category: 'Billing',
    tags: ['VIP', 'refund'],
    organizationId: 'org-1',
    contactAttributes: { tier: 'Gold', region: ['EU', 'PL'] },
  };

  it('says why a policy applies', () => {
    expect(
      matchPolicy(conversation, {
        priorities: ['urgent', 'high'],
        categories: ['billing'],
        tags: ['vip'],
        contact: { tier: ['gold'], region: ['eu'] },
        organizationIds: ['org-1'],
        teamIds: ['team-1'],
        channels: ['email'],
      }),
    ).toEqual([
      'priority: urgent',
      'channel: email',
      'team: team-1',
      'category: billing',
      'tag: vip',
      'organization: org-1',
      'contact: tier=gold',
      'contact: region=eu',
    ]);
    expect(matchPolicy(conversation, { contact: { tier: ['silver'] } })).toBeNull();
    expect(matchPolicy({ ...conversation, teamId: null }, { teamIds: ['team-1'] })).toBeNull();
  });

  it('takes the first enabled policy that matches, in order', () => {
    const policies = [
      { name: 'off', enabled: false, conditions: {} },
      { name: 'silver', enabled: true, conditions: { contact: { tier: ['silver'] } } },
      { name: 'urgent', enabled: true, conditions: { priorities: ['urgent' as const] } },
      { name: 'default', enabled: true, conditions: {} },
    ];
    expect(choosePolicy(policies, conversation)?.policy.name).toBe('urgent');
    expect(choosePolicy(policies, { ...conversation, priority: 'low' })?.policy.name).toBe(
      'default',
    );
    expect(choosePolicy(policies.slice(0, 2), conversation)).toBeNull();
  });
});

describe('no escalation outside business hours', () => {
  it('puts every warning and due time of a business-hours target inside opening hours', () => {
    const targets = {
      firstResponse: { seconds: 3600, businessHours: true },
      nextResponse: { seconds: 1800, businessHours: true },
      resolution: { seconds: 3 * 8 * 3600, businessHours: true },
    };
    fc.assert(
      fc.property(
        fc.integer({ min: t('2026-01-01T00:00:00Z'), max: t('2026-12-20T00:00:00Z') }),
        fc.integer({ min: 0, max: 3 * 24 * 60 }),
        fc.integer({ min: 1, max: 99 }),
        (created, replyAfterMinutes, percent) => {
          const replied = created + replyAfterMinutes * MIN;
          const clocks = computeClocks(
            { targets, pauseOnHold: false, warnAtPercent: [percent] },
            office,
            facts({
              createdAt: created,
              status: 'open',
              firstResponseAt: replied,
              lastAgentMessageAt: replied,
              waitingSince: replied + MIN,
            }),
            [],
            replied + 2 * MIN,
          );
          for (const clock of clocks) {
            const moments = [clock.dueAt, ...clock.warnings.map((w) => w.at)];
            for (const at of moments)
              if (at !== null && at > (clock.startedAt ?? 0))
                expect(isOpen(office, at - 1), `${clock.target} at ${iso(at) ?? ''}`).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
