import { weekdays, type Weekday, type WeeklyHours, type WorkInterval } from '@parley/contract';
import type { Problem } from './validate.js';

export { weekdays, type Weekday };

/** The hours form: every weekday with its intervals (none: closed that day). */
export type HoursForm = Record<Weekday, WorkInterval[]>;

const CLOCK = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

export function hoursForm(hours?: WeeklyHours | null): HoursForm {
  return Object.fromEntries(weekdays.map((d) => [d, [...(hours?.[d] ?? [])]])) as HoursForm;
}

/** Monday to Friday, nine to five: what a new calendar or schedule starts from. */
export const officeHours = (): HoursForm =>
  Object.fromEntries(
    weekdays.map((d) => [d, d === 'sat' || d === 'sun' ? [] : [{ from: '09:00', to: '17:00' }]]),
  ) as HoursForm;

/** The API's weekly hours: closed days left out. */
export function weeklyHours(form: HoursForm): WeeklyHours {
  return Object.fromEntries(weekdays.filter((d) => form[d].length > 0).map((d) => [d, form[d]]));
}

export const hasHours = (form: HoursForm) => weekdays.some((d) => form[d].length > 0);

/**
 * What the server would refuse in one interval: a time that is not HH:MM, a start at 24:00,
 * or one that starts where it ends (00:00–24:00 is the whole day). A `to` before `from`
 * is fine: it runs past midnight.
 */
export function intervalProblem(interval: WorkInterval): Problem | null {
  if (!CLOCK.test(interval.from) || !CLOCK.test(interval.to))
    return { key: 'settings.invalid.clock' };
  if (interval.from === '24:00') return { key: 'settings.invalid.fromMidnight' };
  if (interval.from === interval.to) return { key: 'settings.invalid.emptyInterval' };
  return null;
}

/** Each day's problems by interval index; empty when all is well. */
export function hoursProblems(form: HoursForm): Partial<Record<Weekday, (Problem | null)[]>> {
  const found: Partial<Record<Weekday, (Problem | null)[]>> = {};
  for (const day of weekdays) {
    const problems = form[day].map(intervalProblem);
    if (problems.some(Boolean)) found[day] = problems;
  }
  return found;
}

/** Whether an interval runs past midnight into the next day. */
export const overnight = (interval: WorkInterval) =>
  intervalProblem(interval) === null && interval.to !== '00:00' && interval.to < interval.from;
