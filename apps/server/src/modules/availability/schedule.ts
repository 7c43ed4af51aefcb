import {
  weekdays,
  type Presence,
  type Schedule,
  type UnavailableReason,
  type WeeklyHours,
} from '@parley/contract';
import { DateTime } from 'luxon';
import { AppError } from '../../platform/errors.js';

/** One working interval on one local weekday (1 Monday … 7 Sunday), in minutes of the day. */
export interface DayInterval {
  weekday: number;
  startMinute: number;
  /** Exclusive; 1440 is midnight at the end of the day. */
  endMinute: number;
}

const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * True for an IANA time zone name that both Intl (here) and PostgreSQL (routing's SQL)
 * read the same way. Offsets like `+02:00` are refused: PostgreSQL reads POSIX offsets with
 * the opposite sign.
 */
export function isValidTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(zone: string, path = 'body.timeZone'): void {
  if (!isValidTimeZone(zone))
    throw new AppError(
      'invalid_time_zone',
      `${zone} is not an IANA time zone (e.g. Europe/Warsaw)`,
      {
        details: { issues: [{ path, message: 'is not an IANA time zone' }] },
      },
    );
}

/**
 * Weekly hours as intervals per weekday, split at local midnight (22:00–06:00 on Friday is
 * Friday 22:00–24:00 and Saturday 00:00–06:00; Sunday's runs into Monday), overlapping ones
 * merged. This is what is stored for SQL and what `isInWorkingHours` reads. An interval
 * that starts where it ends is refused: 00:00–24:00 says "the whole day".
 */
export function dayIntervals(weeklyHours: WeeklyHours): DayInterval[] {
  const raw: DayInterval[] = [];
  weekdays.forEach((day, index) => {
    const weekday = index + 1;
    for (const [n, interval] of (weeklyHours[day] ?? []).entries()) {
      const start = minutes(interval.from);
      const end = minutes(interval.to);
      const path = `body.weeklyHours.${day}.${n}`;
      if (start === 1440)
        throw new AppError('validation_failed', `${path}.from cannot be 24:00`, {
          details: { issues: [{ path: `${path}.from`, message: 'cannot be 24:00' }] },
        });
      if (start === end)
        throw new AppError(
          'validation_failed',
          `${path} starts where it ends (00:00–24:00 is the whole day)`,
          { details: { issues: [{ path, message: 'starts where it ends' }] } },
        );
      if (end > start) raw.push({ weekday, startMinute: start, endMinute: end });
      else {
        raw.push({ weekday, startMinute: start, endMinute: 1440 });
        if (end > 0) raw.push({ weekday: (weekday % 7) + 1, startMinute: 0, endMinute: end });
      }
    }
  });
  raw.sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute);
  const merged: DayInterval[] = [];
  for (const interval of raw) {
    const last = merged.at(-1);
    if (last && last.weekday === interval.weekday && interval.startMinute <= last.endMinute)
      last.endMinute = Math.max(last.endMinute, interval.endMinute);
    else merged.push({ ...interval });
  }
  return merged;
}

/**
 * Whether `at` falls inside the schedule's working hours, read on the wall clock of its
 * time zone (so 09:00 stays 09:00 across DST changes; a gap hour never happens, a repeated
 * one happens twice). No schedule: always.
 */
export function isInWorkingHours(schedule: Schedule | null, at: Date): boolean {
  if (!schedule) return true;
  const local = DateTime.fromJSDate(at, { zone: schedule.timeZone });
  if (!local.isValid) return false;
  const minute = local.hour * 60 + local.minute;
  return dayIntervals(schedule.weeklyHours).some(
    (i) => i.weekday === local.weekday && i.startMinute <= minute && minute < i.endMinute,
  );
}

/** What availability is computed from. */
export interface AgentAvailability {
  presence: Presence;
  schedule: Schedule | null;
  absences: readonly { startsAt: Date; endsAt: Date }[];
}

/** Why the agent cannot take work at `at`, or null when they can. */
export function unavailableReason(agent: AgentAvailability, at: Date): UnavailableReason | null {
  const t = at.getTime();
  if (agent.absences.some((a) => a.startsAt.getTime() <= t && t < a.endsAt.getTime()))
    return 'absent';
  if (agent.presence !== 'online') return agent.presence;
  if (!isInWorkingHours(agent.schedule, at)) return 'outside_hours';
  return null;
}

/** Online, inside working hours in their own time zone, and not absent. */
export function isAvailable(agent: AgentAvailability, at: Date): boolean {
  return unavailableReason(agent, at) === null;
}

/**
 * The instants an all-day absence covers: from the start of `startDate` to the end of
 * `endDate` (included) in `zone`, whatever DST does in between.
 */
export function wholeDays(
  startDate: string,
  endDate: string,
  zone: string,
): { startsAt: Date; endsAt: Date } {
  const start = DateTime.fromISO(startDate, { zone }).startOf('day');
  const end = DateTime.fromISO(endDate, { zone }).plus({ days: 1 }).startOf('day');
  return { startsAt: start.toJSDate(), endsAt: end.toJSDate() };
}

/**
 * The next instant after `after` at which the schedule's working hours begin (on the wall
 * clock of its zone; a start in a skipped DST hour moves to the end of the gap), or null
 * when it has no hours. A midnight that only continues the previous day's interval is not
 * a start. Routing drains the agent's queues at that moment.
 */
export function nextWorkStart(schedule: Schedule, after: Date): Date | null {
  const intervals = dayIntervals(schedule.weeklyHours);
  if (intervals.length === 0) return null;
  const endsAtMidnight = new Set(
    intervals.filter((i) => i.endMinute === 1440).map((i) => i.weekday),
  );
  const from = DateTime.fromJSDate(after, { zone: schedule.timeZone });
  if (!from.isValid) return null;
  for (let d = 0; d <= 7; d++) {
    const day = from.startOf('day').plus({ days: d });
    for (const i of intervals) {
      if (i.weekday !== day.weekday) continue;
      if (i.startMinute === 0 && endsAtMidnight.has(((i.weekday + 5) % 7) + 1)) continue;
      const start = day.set({ hour: Math.floor(i.startMinute / 60), minute: i.startMinute % 60 });
      if (start.toMillis() > after.getTime()) return start.toJSDate();
    }
  }
  return null;
}
