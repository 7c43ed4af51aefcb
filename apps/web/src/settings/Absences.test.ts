import { describe, expect, it } from 'vitest';
import { absenceDays } from './Absences.js';

describe('an absence as whole days to edit', () => {
  it('gives its first and last day in the person’s zone', () => {
    // Recorded as 20–21 March in Tehran: it starts and ends at midnight there.
    const tehran = { startsAt: '2099-03-19T20:30:00.000Z', endsAt: '2099-03-21T20:30:00.000Z' };
    expect(absenceDays(tehran, 'Asia/Tehran')).toEqual({
      startDate: '2099-03-20',
      endDate: '2099-03-21',
    });
    // Seen from another zone, the same instants fall on other days.
    expect(absenceDays(tehran, 'UTC')).toEqual({ startDate: '2099-03-19', endDate: '2099-03-21' });
    // A morning off covers that day only.
    expect(
      absenceDays(
        { startsAt: '2099-07-01T06:00:00.000Z', endsAt: '2099-07-01T12:00:00.000Z' },
        'Europe/Warsaw',
      ),
    ).toEqual({ startDate: '2099-07-01', endDate: '2099-07-01' });
  });
});
