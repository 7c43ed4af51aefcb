import { describe, expect, it } from 'vitest';
import {
  hasHours,
  hoursForm,
  hoursProblems,
  intervalProblem,
  officeHours,
  overnight,
  weeklyHours,
} from './hours.js';

describe('intervalProblem', () => {
  it('accepts ordinary, whole-day and overnight intervals', () => {
    expect(intervalProblem({ from: '09:00', to: '17:00' })).toBeNull();
    expect(intervalProblem({ from: '00:00', to: '24:00' })).toBeNull();
    expect(intervalProblem({ from: '22:00', to: '06:00' })).toBeNull();
  });

  it('refuses what the server refuses', () => {
    expect(intervalProblem({ from: '9:00', to: '17:00' })).toEqual({
      key: 'settings.invalid.clock',
    });
    expect(intervalProblem({ from: '09:00', to: '' })).toEqual({ key: 'settings.invalid.clock' });
    expect(intervalProblem({ from: '24:00', to: '06:00' })).toEqual({
      key: 'settings.invalid.fromMidnight',
    });
    expect(intervalProblem({ from: '10:00', to: '10:00' })).toEqual({
      key: 'settings.invalid.emptyInterval',
    });
  });
});

describe('hours form', () => {
  it('round-trips the API shape, leaving closed days out', () => {
    const api = {
      mon: [
        { from: '08:00', to: '12:00' },
        { from: '13:00', to: '17:00' },
      ],
    };
    const form = hoursForm(api);
    expect(form.tue).toEqual([]);
    expect(weeklyHours(form)).toEqual(api);
    expect(hasHours(form)).toBe(true);
    expect(hasHours(hoursForm(null))).toBe(false);
  });

  it('starts from weekdays nine to five', () => {
    const hours = weeklyHours(officeHours());
    expect(Object.keys(hours)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
  });

  it('lists problems by day and interval', () => {
    const form = hoursForm({
      wed: [
        { from: '09:00', to: '17:00' },
        { from: '12:00', to: '12:00' },
      ],
    });
    expect(hoursProblems(form)).toEqual({
      wed: [null, { key: 'settings.invalid.emptyInterval' }],
    });
    expect(hoursProblems(officeHours())).toEqual({});
  });

  it('knows an interval that runs past midnight', () => {
    expect(overnight({ from: '22:00', to: '06:00' })).toBe(true);
    expect(overnight({ from: '22:00', to: '00:00' })).toBe(false);
    expect(overnight({ from: '09:00', to: '17:00' })).toBe(false);
  });
});
