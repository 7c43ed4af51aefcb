import type { WeeklyHours } from '@parley/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  businessTimeBetween,
  compileCalendar,
  isOpen,
  knownHolidayRegion,
  nextOpening,
  publicHolidayDates,
  subtractBusinessTime,
  type CalendarSpec,
} from './calendar.js';

const H = 3_600_000;
const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const nineToFive = { from: '09:00', to: '17:00' };
const weekdays = (interval = nineToFive): WeeklyHours => ({
  mon: [interval],
  tue: [interval],
  wed: [interval],
  thu: [interval],
  fri: [interval],
});

function calendar(overrides: Partial<CalendarSpec>, around = '2026-06-01T00:00:00Z') {
  return compileCalendar(
    {
      timeZone: 'Europe/Stockholm',
      alwaysOpen: false,
      weeklyHours: weekdays(),
      holidays: null,
      closedDates: [],
      ...overrides,
    },
    t(around),
  );
}

describe('business hours', () => {
  it('carries what is left of a Friday over the weekend', () => {
    const c = calendar({});
    // Friday 2026-06-05 16:30 CEST + 1 h → Monday 09:30 CEST.
    expect(iso(addBusinessTime(c, t('2026-06-05T14:30:00Z'), H))).toBe('2026-06-08T07:30:00.000Z');
    expect(businessTimeBetween(c, t('2026-06-05T14:30:00Z'), t('2026-06-08T07:30:00Z'))).toBe(H);
  });

  it('ends a target on the closing moment, not at the next opening', () => {
    const c = calendar({});
    // 8 h from Monday 09:00 is Monday 17:00.
    expect(iso(addBusinessTime(c, t('2026-06-08T07:00:00Z'), 8 * H))).toBe(
      '2026-06-08T15:00:00.000Z',
    );
  });

  it('starts the clock at the next opening when a conversation arrives at night', () => {
    const c = calendar({});
    // Tuesday 02:00 + 30 min → Tuesday 09:30.
    expect(iso(addBusinessTime(c, t('2026-06-09T00:00:00Z'), 30 * MIN))).toBe(
      '2026-06-09T07:30:00.000Z',
    );
    expect(iso(nextOpening(c, t('2026-06-09T00:00:00Z')))).toBe('2026-06-09T07:00:00.000Z');
  });

  it('leaves out the lunch break of a day with two intervals', () => {
    const c = calendar({
      weeklyHours: {
        mon: [
          { from: '09:00', to: '12:00' },
          { from: '13:00', to: '17:00' },
        ],
      },
    });
    // Monday 11:30 + 1 h → 13:30.
    expect(iso(addBusinessTime(c, t('2026-06-08T09:30:00Z'), H))).toBe('2026-06-08T11:30:00.000Z');
    expect(isOpen(c, t('2026-06-08T10:30:00Z'))).toBe(false);
    expect(businessTimeBetween(c, t('2026-06-08T07:00:00Z'), t('2026-06-08T15:00:00Z'))).toBe(
      7 * H,
    );
  });

  it('keeps 09:00 on the Stockholm wall clock across the spring change', () => {
    const c = calendar({});
    // Friday 27 March 16:00 CET + 2 h → Monday 30 March 10:00 CEST (08:00Z, not 09:00Z).
    expect(iso(addBusinessTime(c, t('2026-03-27T15:00:00Z'), 2 * H))).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    // And back in autumn: Friday 23 October 16:00 CEST + 2 h → Monday 26 October 10:00 CET.
    expect(iso(addBusinessTime(c, t('2026-10-23T14:00:00Z'), 2 * H))).toBe(
      '2026-10-26T09:00:00.000Z',
    );
  });

  it('counts real hours on the night DST changes: 2 in spring, 4 in autumn', () => {
    const spring = calendar({ weeklyHours: { sun: [{ from: '01:00', to: '04:00' }] } });
    expect(businessTimeBetween(spring, t('2026-03-28T00:00:00Z'), t('2026-03-30T00:00:00Z'))).toBe(
      2 * H,
    );
    const autumn = calendar({ weeklyHours: { sun: [{ from: '00:00', to: '03:00' }] } });
    expect(businessTimeBetween(autumn, t('2026-10-24T00:00:00Z'), t('2026-10-26T00:00:00Z'))).toBe(
      4 * H,
    );
    // An interval wholly inside the skipped hour never happens.
    const gap = calendar({ weeklyHours: { sun: [{ from: '02:15', to: '02:45' }] } });
    expect(businessTimeBetween(gap, t('2026-03-28T00:00:00Z'), t('2026-03-30T00:00:00Z'))).toBe(0);
  });

  it('handles Tehran’s DST jump at midnight (2021) without a closed minute', () => {
    // 24/7 with one closed day, so it is really computed from intervals.
    const c = calendar(
      { timeZone: 'Asia/Tehran', alwaysOpen: true, closedDates: ['2021-01-01'] },
      '2021-06-01T00:00:00Z',
    );
    // 22 March 2021 00:00 +03:30 became 01:00 +04:30 (20:30Z on the 21st).
    for (let m = -3; m <= 3; m++) expect(isOpen(c, t('2021-03-21T20:30:00Z') + m * MIN)).toBe(true);
    // Noon to noon is 23 real hours that day, and 25 on 22 September.
    expect(businessTimeBetween(c, t('2021-03-21T08:30:00Z'), t('2021-03-22T07:30:00Z'))).toBe(
      23 * H,
    );
    expect(businessTimeBetween(c, t('2021-09-21T07:30:00Z'), t('2021-09-22T08:30:00Z'))).toBe(
      25 * H,
    );
    // Saturday–Wednesday 08:00–16:00 keeps 08:00 local on both sides of the jump.
    const week: WeeklyHours = Object.fromEntries(
      ['sat', 'sun', 'mon', 'tue', 'wed'].map((d) => [d, [{ from: '08:00', to: '16:00' }]]),
    );
    const office = calendar({ timeZone: 'Asia/Tehran', weeklyHours: week }, '2021-06-01T00:00:00Z');
    // Sunday 21 March 15:00 +03:30 + 2 h → Monday 22 March 09:00 +04:30.
    expect(iso(addBusinessTime(office, t('2021-03-21T11:30:00Z'), 2 * H))).toBe(
      '2021-03-22T04:30:00.000Z',
    );
  });

  it('never closes a 24/7 calendar at midnight, holidays or not', () => {
    const plain = calendar({ alwaysOpen: true });
    const withHolidays = calendar({
      alwaysOpen: true,
      timeZone: 'Europe/Warsaw',
      closedDates: ['2026-12-24'],
    });
    for (const c of [plain, withHolidays]) {
      for (const midnight of [
        '2026-06-08T22:00:00Z',
        '2026-10-24T22:00:00Z',
        '2026-12-31T23:00:00Z',
      ])
        for (let s = -60; s <= 60; s += 30) expect(isOpen(c, t(midnight) + s * 1000)).toBe(true);
      expect(businessTimeBetween(c, t('2026-06-08T21:59:00Z'), t('2026-06-08T22:01:00Z'))).toBe(
        2 * MIN,
      );
    }
    // One interval a stretch: midnights are never boundaries.
    expect(withHolidays.starts.length).toBeLessThan(10);
    // The closed day is closed, from local midnight to midnight.
    expect(isOpen(withHolidays, t('2026-12-23T22:59:00Z'))).toBe(true);
    expect(isOpen(withHolidays, t('2026-12-23T23:00:00Z'))).toBe(false);
    expect(isOpen(withHolidays, t('2026-12-24T23:00:00Z'))).toBe(true);
  });

  it('crosses the year boundary over Polish holidays', () => {
    const c = calendar({ timeZone: 'Europe/Warsaw', holidays: { country: 'PL' } });
    // Thursday 31 Dec 2026 16:00 + 2 h: 1 Jan is a holiday, then the weekend → Mon 4 Jan 10:00.
    expect(iso(addBusinessTime(c, t('2026-12-31T15:00:00Z'), 2 * H))).toBe(
      '2027-01-04T09:00:00.000Z',
    );
    // Tuesday 5 Jan 16:00 + 2 h: 6 Jan (Epiphany) is closed → Thursday 7 Jan 10:00.
    expect(iso(addBusinessTime(c, t('2027-01-05T15:00:00Z'), 2 * H))).toBe(
      '2027-01-07T09:00:00.000Z',
    );
  });

  it('closes a Swedish holiday that falls on an open Saturday, and a closed one just once', () => {
    // 26 December 2026 (Annandag jul) is a Saturday.
    expect(publicHolidayDates('SE', null, 2026).map((h) => h.date)).toContain('2026-12-26');
    const sixDays = calendar({
      holidays: { country: 'SE' },
      weeklyHours: { ...weekdays(), sat: [nineToFive] },
    });
    expect(isOpen(sixDays, t('2026-12-26T10:00:00Z'))).toBe(false);
    // Thursday 24 Dec (not a public holiday) 16:00 + 2 h → the 25th and 26th are closed,
    // Sunday is off → Monday 28 Dec 10:00 CET.
    expect(iso(addBusinessTime(sixDays, t('2026-12-24T15:00:00Z'), 2 * H))).toBe(
      '2026-12-28T09:00:00.000Z',
    );
    // A Monday–Friday calendar loses only Friday the 25th to the holidays.
    const fiveDays = calendar({ holidays: { country: 'SE' } });
    expect(
      businessTimeBetween(fiveDays, t('2026-12-21T00:00:00Z'), t('2026-12-28T00:00:00Z')),
    ).toBe(4 * 8 * H);
  });

  it('reads Chinese and Iranian public holidays', () => {
    const cn = calendar({ timeZone: 'Asia/Shanghai', holidays: { country: 'CN' } });
    // 1 October 2026 (National Day) is a Thursday.
    expect(isOpen(cn, t('2026-10-01T03:00:00Z'))).toBe(false);
    expect(isOpen(cn, t('2026-09-30T03:00:00Z'))).toBe(true);
    const week: WeeklyHours = Object.fromEntries(
      ['sat', 'sun', 'mon', 'tue', 'wed'].map((d) => [d, [{ from: '08:00', to: '16:00' }]]),
    );
    const ir = calendar({
      timeZone: 'Asia/Tehran',
      weeklyHours: week,
      holidays: { country: 'IR' },
    });
    // Nowruz: 21–24 March 2026 are closed (Saturday to Tuesday), Wednesday the 25th is open.
    expect(isOpen(ir, t('2026-03-21T06:00:00Z'))).toBe(false);
    expect(isOpen(ir, t('2026-03-24T06:00:00Z'))).toBe(false);
    expect(isOpen(ir, t('2026-03-25T06:00:00Z'))).toBe(true);
  });

  it('knows which countries and regions date-holidays has', () => {
    expect(knownHolidayRegion('SE')).toBe(true);
    expect(knownHolidayRegion('DE', 'BY')).toBe(true);
    expect(knownHolidayRegion('XX')).toBe(false);
    expect(knownHolidayRegion('DE', 'ZZ')).toBe(false);
  });

  it('reaches far ahead, and gives up on a calendar that never opens', () => {
    const c = calendar({});
    // 300 working days of 8 h from mid-2026 lands in 2027.
    const due = addBusinessTime(c, t('2026-06-01T07:00:00Z'), 300 * 8 * H);
    expect(due).not.toBeNull();
    expect(new Date(due ?? 0).getUTCFullYear()).toBe(2027);
    const never = calendar({ weeklyHours: {} });
    expect(addBusinessTime(never, t('2026-06-01T07:00:00Z'), H)).toBeNull();
  });
});

describe('business-time properties', () => {
  const zones = [
    'Europe/Stockholm',
    'Asia/Tehran',
    'Europe/Warsaw',
    'Asia/Shanghai',
    'America/New_York',
  ];
  const clock = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 }))
    .map(([h, q]) => `${String(h).padStart(2, '0')}:${String(q * 15).padStart(2, '0')}`);
  const dayHours = fc.array(
    fc.tuple(clock, clock).map(([from, to]) => ({ from, to })),
    { maxLength: 3 },
  );
  const spec: fc.Arbitrary<CalendarSpec> = fc.record({
    timeZone: fc.constantFrom(...zones),
    alwaysOpen: fc.boolean(),
    weeklyHours: fc
      .record({ mon: dayHours, wed: dayHours, fri: dayHours, sat: dayHours })
      // At least one interval a week (a week of nothing never opens).
      .map((w) => ({ ...w, tue: [{ from: '10:00', to: '11:30' }] }))
      .map((w) =>
        Object.fromEntries(
          Object.entries(w).map(([d, list]) => [d, list.filter((i) => i.from !== i.to)]),
        ),
      ),
    holidays: fc.constantFrom(null, { country: 'SE' }, { country: 'IR' }, { country: 'PL' }),
    closedDates: fc.constantFrom([], ['2026-03-29', '2026-10-25', '2021-03-22']),
  });
  const start = fc.integer({ min: t('2020-06-01T00:00:00Z'), max: t('2028-06-01T00:00:00Z') });
  const amount = fc.integer({ min: 1, max: 20 * 24 * 60 }).map((m) => m * MIN);

  it('adding then subtracting returns the start (or the opening it waited for)', () => {
    fc.assert(
      fc.property(spec, start, amount, (s, from, ms) => {
        const c = compileCalendar(s, from);
        const due = addBusinessTime(c, from, ms);
        expect(due).not.toBeNull();
        if (due === null) return;
        expect(businessTimeBetween(c, from, due)).toBe(ms);
        expect(subtractBusinessTime(c, due, ms)).toBe(nextOpening(c, from));
      }),
      { numRuns: 150 },
    );
  });

  it('a due time never falls outside opening hours', () => {
    fc.assert(
      fc.property(spec, start, amount, (s, from, ms) => {
        const c = compileCalendar(s, from);
        const due = addBusinessTime(c, from, ms);
        if (due === null) return;
        // Open just before it (the due time itself may be the closing moment).
        expect(isOpen(c, due - 1)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('adding in two steps is adding once', () => {
    fc.assert(
      fc.property(spec, start, amount, amount, (s, from, a, b) => {
        const c = compileCalendar(s, from);
        const once = addBusinessTime(c, from, a + b);
        const first = addBusinessTime(c, from, a);
        if (once === null || first === null) return;
        expect(addBusinessTime(c, first, b)).toBe(once);
      }),
      { numRuns: 100 },
    );
  });
});
