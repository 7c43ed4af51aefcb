import type { Schedule, WeeklyHours } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import {
  dayIntervals,
  isAvailable,
  isInWorkingHours,
  isValidTimeZone,
  nextWorkStart,
  unavailableReason,
  wholeDays,
} from './schedule.js';

const at = (iso: string) => new Date(iso);
const every = (from: string, to: string): WeeklyHours =>
  Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ from, to }]]),
  );
const inHours = (schedule: Schedule, iso: string) => isInWorkingHours(schedule, at(iso));

describe('working hours', () => {
  it('keeps 09:00–17:00 on the Warsaw wall clock on both sides of the spring change', () => {
    const weekdays = { from: '09:00', to: '17:00' };
    const s: Schedule = {
      timeZone: 'Europe/Warsaw',
      weeklyHours: {
        mon: [weekdays],
        tue: [weekdays],
        wed: [weekdays],
        thu: [weekdays],
        fri: [weekdays],
      },
    };
    // Friday 27 March 2026, CET (UTC+1).
    expect(inHours(s, '2026-03-27T07:59:00Z')).toBe(false);
    expect(inHours(s, '2026-03-27T08:00:00Z')).toBe(true);
    expect(inHours(s, '2026-03-27T15:59:00Z')).toBe(true);
    expect(inHours(s, '2026-03-27T16:00:00Z')).toBe(false);
    // Monday 30 March 2026, CEST (UTC+2): the same local hours are an hour earlier in UTC.
    expect(inHours(s, '2026-03-30T06:59:00Z')).toBe(false);
    expect(inHours(s, '2026-03-30T07:00:00Z')).toBe(true);
    expect(inHours(s, '2026-03-30T14:59:00Z')).toBe(true);
    expect(inHours(s, '2026-03-30T15:00:00Z')).toBe(false);
    // The weekend is off.
    expect(inHours(s, '2026-03-28T10:00:00Z')).toBe(false);
  });

  it('runs a Warsaw night shift across midnight and the missing hour', () => {
    const s: Schedule = {
      timeZone: 'Europe/Warsaw',
      weeklyHours: { sat: [{ from: '22:00', to: '06:00' }] },
    };
    expect(inHours(s, '2026-03-28T20:59:00Z')).toBe(false); // Sat 21:59 CET
    expect(inHours(s, '2026-03-28T21:00:00Z')).toBe(true); // Sat 22:00 CET
    expect(inHours(s, '2026-03-29T00:59:00Z')).toBe(true); // Sun 01:59 CET
    expect(inHours(s, '2026-03-29T01:00:00Z')).toBe(true); // Sun 03:00 CEST (02:00 never came)
    expect(inHours(s, '2026-03-29T03:59:00Z')).toBe(true); // Sun 05:59 CEST
    expect(inHours(s, '2026-03-29T04:00:00Z')).toBe(false); // Sun 06:00 CEST
    // Not on a Sunday night: only Saturday's shift runs into Sunday.
    expect(inHours(s, '2026-03-29T21:30:00Z')).toBe(false);
  });

  it('lives the repeated Stockholm hour twice in autumn', () => {
    const s: Schedule = {
      timeZone: 'Europe/Stockholm',
      weeklyHours: { sun: [{ from: '02:00', to: '02:30' }] },
    };
    // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET.
    expect(inHours(s, '2026-10-25T00:15:00Z')).toBe(true); // 02:15 CEST
    expect(inHours(s, '2026-10-25T00:45:00Z')).toBe(false); // 02:45 CEST
    expect(inHours(s, '2026-10-25T01:15:00Z')).toBe(true); // 02:15 CET, the second time
    expect(inHours(s, '2026-10-25T01:30:00Z')).toBe(false); // 02:30 CET
    const night: Schedule = {
      timeZone: 'Europe/Stockholm',
      weeklyHours: { sun: [{ from: '00:00', to: '03:00' }] },
    };
    expect(inHours(night, '2026-10-24T21:59:00Z')).toBe(false); // Sat 23:59 CEST
    expect(inHours(night, '2026-10-24T22:00:00Z')).toBe(true); // Sun 00:00 CEST
    expect(inHours(night, '2026-10-25T01:59:00Z')).toBe(true); // Sun 02:59 CET: four real hours in
    expect(inHours(night, '2026-10-25T02:00:00Z')).toBe(false); // Sun 03:00 CET
  });

  it('follows Tehran’s clock through its last DST years and after DST was abolished', () => {
    const s: Schedule = { timeZone: 'Asia/Tehran', weeklyHours: every('09:00', '17:00') };
    // 21 March 2021: +03:30.
    expect(inHours(s, '2021-03-21T05:29:00Z')).toBe(false);
    expect(inHours(s, '2021-03-21T05:30:00Z')).toBe(true);
    // 23 March 2021: DST, +04:30.
    expect(inHours(s, '2021-03-23T04:29:00Z')).toBe(false);
    expect(inHours(s, '2021-03-23T04:30:00Z')).toBe(true);
    expect(inHours(s, '2021-03-23T12:29:00Z')).toBe(true);
    expect(inHours(s, '2021-03-23T12:30:00Z')).toBe(false);
    // June 2026: no DST any more, +03:30 in summer too.
    expect(inHours(s, '2026-06-15T04:30:00Z')).toBe(false);
    expect(inHours(s, '2026-06-15T05:30:00Z')).toBe(true);
    // The night DST began at midnight: a 23:00–01:00 shift lasted one real hour.
    const late: Schedule = { timeZone: 'Asia/Tehran', weeklyHours: every('23:00', '01:00') };
    expect(inHours(late, '2021-03-21T19:30:00Z')).toBe(true); // 23:00 +03:30
    expect(inHours(late, '2021-03-21T20:29:00Z')).toBe(true); // 23:59 +03:30
    expect(inHours(late, '2021-03-21T20:30:00Z')).toBe(false); // 01:00 +04:30
  });

  it('reads the Shanghai weekday, not the UTC one, for shifts past midnight', () => {
    const s: Schedule = {
      timeZone: 'Asia/Shanghai',
      weeklyHours: {
        fri: [{ from: '20:00', to: '02:00' }],
        sun: [{ from: '23:00', to: '01:00' }],
      },
    };
    expect(inHours(s, '2026-01-15T12:00:00Z')).toBe(false); // Thu 20:00
    expect(inHours(s, '2026-01-16T12:00:00Z')).toBe(true); // Fri 20:00
    expect(inHours(s, '2026-01-16T17:59:00Z')).toBe(true); // Sat 01:59 (Friday in UTC)
    expect(inHours(s, '2026-01-16T18:00:00Z')).toBe(false); // Sat 02:00
    expect(inHours(s, '2026-01-18T16:30:00Z')).toBe(true); // Mon 00:30, Sunday's shift
    expect(inHours(s, '2026-01-19T16:30:00Z')).toBe(false); // Tue 00:30
  });

  it('splits intervals at midnight, merges overlaps and refuses empty ones', () => {
    expect(
      dayIntervals({
        sun: [{ from: '22:00', to: '02:00' }],
        mon: [
          { from: '01:00', to: '03:00' },
          { from: '09:00', to: '12:00' },
          { from: '12:00', to: '24:00' },
        ],
      }),
    ).toEqual([
      { weekday: 1, startMinute: 0, endMinute: 180 },
      { weekday: 1, startMinute: 540, endMinute: 1440 },
      { weekday: 7, startMinute: 1320, endMinute: 1440 },
    ]);
    expect(dayIntervals({ tue: [{ from: '00:00', to: '24:00' }] })).toEqual([
      { weekday: 2, startMinute: 0, endMinute: 1440 },
    ]);
    expect(dayIntervals({ tue: [{ from: '18:00', to: '00:00' }] })).toEqual([
      { weekday: 2, startMinute: 1080, endMinute: 1440 },
    ]);
    expect(() => dayIntervals({ wed: [{ from: '08:00', to: '08:00' }] })).toThrow(
      /starts where it ends/,
    );
    expect(() => dayIntervals({ wed: [{ from: '24:00', to: '08:00' }] })).toThrow(/24:00/);
  });

  it('accepts IANA names only', () => {
    expect(isValidTimeZone('Europe/Warsaw')).toBe(true);
    expect(isValidTimeZone('Asia/Tehran')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+02:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('isAvailable', () => {
  const schedule: Schedule = { timeZone: 'Europe/Stockholm', weeklyHours: every('08:00', '16:00') };
  const noon = at('2026-06-10T10:00:00Z'); // 12:00 in Stockholm

  it('needs online, inside hours and not absent, and says which is missing', () => {
    const online = { presence: 'online' as const, schedule, absences: [] };
    expect(isAvailable(online, noon)).toBe(true);
    expect(unavailableReason({ ...online, presence: 'away' }, noon)).toBe('away');
    expect(unavailableReason({ ...online, presence: 'offline' }, noon)).toBe('offline');
    expect(unavailableReason(online, at('2026-06-10T15:00:00Z'))).toBe('outside_hours');
    const absent = {
      ...online,
      absences: [{ startsAt: at('2026-06-10T00:00:00Z'), endsAt: noon }],
    };
    expect(unavailableReason(absent, at('2026-06-10T09:59:59Z'))).toBe('absent');
    expect(isAvailable(absent, noon)).toBe(true); // the end is exclusive
    expect(isAvailable({ ...online, schedule: null }, at('2026-06-10T23:00:00Z'))).toBe(true);
  });

  it('turns whole days into instants in the agent’s zone, across a DST change', () => {
    const { startsAt, endsAt } = wholeDays('2026-03-28', '2026-03-29', 'Europe/Warsaw');
    expect(startsAt.toISOString()).toBe('2026-03-27T23:00:00.000Z');
    expect(endsAt.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect((endsAt.getTime() - startsAt.getTime()) / 3_600_000).toBe(47);
  });
});

describe('nextWorkStart', () => {
  it('finds the next start on the wall clock, across DST and past midnight, passing over continuations', () => {
    const s: Schedule = {
      timeZone: 'Europe/Warsaw',
      weeklyHours: { fri: [{ from: '09:00', to: '17:00' }], mon: [{ from: '09:00', to: '17:00' }] },
    };
    // Friday 27 March 2026 (CET): 09:00 local is 08:00Z; then Monday 30 March (CEST) 07:00Z.
    expect(nextWorkStart(s, at('2026-03-27T06:00:00Z'))?.toISOString()).toBe(
      '2026-03-27T08:00:00.000Z',
    );
    expect(nextWorkStart(s, at('2026-03-27T08:00:00Z'))?.toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    // A night shift: Saturday 00:00 only continues Friday's 22:00, it is not a start.
    const night: Schedule = {
      timeZone: 'Asia/Shanghai',
      weeklyHours: { fri: [{ from: '22:00', to: '06:00' }], sat: [{ from: '10:00', to: '12:00' }] },
    };
    expect(nextWorkStart(night, at('2026-03-27T13:00:00Z'))?.toISOString()).toBe(
      '2026-03-27T14:00:00.000Z',
    );
    expect(nextWorkStart(night, at('2026-03-27T14:30:00Z'))?.toISOString()).toBe(
      '2026-03-28T02:00:00.000Z',
    );
    expect(
      nextWorkStart({ timeZone: 'UTC', weeklyHours: {} }, at('2026-03-27T00:00:00Z')),
    ).toBeNull();
  });
});
