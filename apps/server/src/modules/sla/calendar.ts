import type { WeeklyHours } from '@parley/contract';
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import { dayIntervals, type DayInterval } from '../availability/schedule.js';

/** What a business-hours calendar says, as stored (the API's shape without ids). */
export interface CalendarSpec {
  timeZone: string;
  /** Open around the clock (holidays still close whole days, if any are named). */
  alwaysOpen: boolean;
  /** Ignored when `alwaysOpen`. */
  weeklyHours: WeeklyHours;
  /** National (and regional) public holidays from `date-holidays`, closed all day. */
  holidays: { country: string; region?: string | null } | null;
  /** Local dates (YYYY-MM-DD) closed all day: the company's own holidays. */
  closedDates: readonly string[];
}

const MINUTE = 60_000;
/** How far a computation may look ahead before it gives up (a calendar that never opens). */
const MAX_YEARS = 10;

/**
 * A calendar compiled into its open intervals as instants (epoch ms, sorted, disjoint, never
 * touching: adjacent ones are merged, so a 24/7 calendar is one interval across midnights and
 * DST changes), with the open time before each interval summed up. Business-time arithmetic is
 * then two binary searches on typed arrays: no time-zone work in the hot path. The window of
 * years grows on demand.
 */
export interface CompiledCalendar {
  spec: CalendarSpec;
  fromYear: number;
  toYear: number;
  starts: Float64Array;
  ends: Float64Array;
  /** Open milliseconds before interval i (prefix sums). */
  before: Float64Array;
}

let holidayCache = new Map<string, Holidays>();

function holidaysOf(country: string, region: string | null | undefined): Holidays {
  const key = `${country}/${region ?? ''}`;
  let found = holidayCache.get(key);
  if (!found) {
    found = region ? new Holidays(country, region) : new Holidays(country);
    if (holidayCache.size > 200) holidayCache = new Map();
    holidayCache.set(key, found);
  }
  return found;
}

/** Whether `date-holidays` knows the country (ISO 3166-1 alpha-2) and, if given, its region. */
export function knownHolidayRegion(country: string, region?: string | null): boolean {
  const countries = new Holidays().getCountries() as Record<string, string> | undefined;
  if (!countries || !Object.hasOwn(countries, country)) return false;
  if (!region) return true;
  const states = new Holidays().getStates(country) as Record<string, string> | undefined;
  return states !== undefined && Object.hasOwn(states, region);
}

/** The public holidays of `year` as local dates (YYYY-MM-DD). */
export function publicHolidayDates(
  country: string,
  region: string | null | undefined,
  year: number,
): { date: string; name: string }[] {
  return holidaysOf(country, region)
    .getHolidays(year)
    .filter((h) => h.type === 'public')
    .map((h) => ({ date: h.date.slice(0, 10), name: h.name }));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The instant of a wall-clock time in `zone`. A time DST skips (02:30 on the spring change)
 * is the instant the clock jumps, so an interval inside the gap is empty; a repeated time
 * (autumn) is its first occurrence.
 */
function wallToEpoch(zone: string, y: number, m: number, d: number, minute: number): number {
  const hour = Math.floor(minute / 60);
  const min = minute % 60;
  const local = DateTime.fromObject({ year: y, month: m, day: d, hour, minute: min }, { zone });
  if (local.hour === hour && local.minute === min && local.day === d) return local.toMillis();
  // In a gap: luxon moved it forward by the gap. The jump is at or before that, at most 3 h.
  const utcWall = Date.UTC(y, m - 1, d, hour, min);
  let t = utcWall - 14 * 60 * MINUTE;
  t = Math.max(t, local.toMillis() - 3 * 60 * MINUTE);
  const after = DateTime.fromMillis(local.toMillis(), { zone }).offset;
  while (t < local.toMillis() && DateTime.fromMillis(t, { zone }).offset !== after) t += MINUTE;
  return t;
}

function build(spec: CalendarSpec, fromYear: number, toYear: number): CompiledCalendar {
  const closed = new Set(spec.closedDates);
  if (spec.holidays) {
    for (let year = fromYear; year <= toYear; year++)
      for (const h of publicHolidayDates(spec.holidays.country, spec.holidays.region, year))
        closed.add(h.date);
  }
  const byWeekday: DayInterval[][] = [[], [], [], [], [], [], [], []];
  const intervals = spec.alwaysOpen
    ? [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 1440 }))
    : dayIntervals(spec.weeklyHours);
  for (const i of intervals) byWeekday[i.weekday]?.push(i);

  const starts: number[] = [];
  const ends: number[] = [];
  const zone = spec.timeZone;
  let day = DateTime.fromObject({ year: fromYear, month: 1, day: 1 }, { zone: 'UTC' });
  const stop = DateTime.fromObject({ year: toYear + 1, month: 1, day: 1 }, { zone: 'UTC' });
  let midnight = wallToEpoch(zone, day.year, day.month, day.day, 0);
  while (day < stop) {
    const { year, month, day: d, weekday } = day;
    const todays = byWeekday[weekday] ?? [];
    const next = day.plus({ days: 1 });
    const nextMidnight = wallToEpoch(zone, next.year, next.month, next.day, 0);
    if (todays.length > 0 && !closed.has(`${year}-${pad(month)}-${pad(d)}`)) {
      // One offset for the whole day unless DST changes on it (then each time on its own).
      const steady = nextMidnight - midnight === 1440 * MINUTE;
      const at = (minute: number) =>
        minute === 1440
          ? nextMidnight
          : steady
            ? midnight + minute * MINUTE
            : wallToEpoch(zone, year, month, d, minute);
      for (const i of todays) {
        const s = at(i.startMinute);
        const e = at(i.endMinute);
        if (e <= s) continue;
        const last = ends.length - 1;
        if (last >= 0 && s <= (ends[last] ?? 0)) ends[last] = Math.max(ends[last] ?? 0, e);
        else {
          starts.push(s);
          ends.push(e);
        }
      }
    }
    day = next;
    midnight = nextMidnight;
  }
  const before = new Float64Array(starts.length);
  let sum = 0;
  for (let i = 0; i < starts.length; i++) {
    before[i] = sum;
    sum += (ends[i] ?? 0) - (starts[i] ?? 0);
  }
  return {
    spec,
    fromYear,
    toYear,
    starts: Float64Array.from(starts),
    ends: Float64Array.from(ends),
    before,
  };
}

const yearOf = (t: number) => new Date(t).getUTCFullYear();

/** Compiles a calendar for the years around `around` (default: now). */
export function compileCalendar(spec: CalendarSpec, around: number = Date.now()): CompiledCalendar {
  const year = yearOf(around);
  return build(spec, year - 1, year + 1);
}

/** True when the calendar never closes (24/7 without holidays): plain arithmetic. */
const continuous = (c: CompiledCalendar) =>
  c.spec.alwaysOpen && !c.spec.holidays && c.spec.closedDates.length === 0;

/** Makes sure the compiled years cover [from, to] (instants), rebuilding a wider window. */
function cover(c: CompiledCalendar, from: number, to: number): void {
  // A day of slack either side: a local year starts up to 14 h off the UTC one.
  const lo = yearOf(from - 86_400_000);
  const hi = yearOf(to + 86_400_000);
  if (lo >= c.fromYear && hi <= c.toYear) return;
  const wider = build(c.spec, Math.min(lo, c.fromYear), Math.max(hi, c.toYear));
  c.fromYear = wider.fromYear;
  c.toYear = wider.toYear;
  c.starts = wider.starts;
  c.ends = wider.ends;
  c.before = wider.before;
}

/** Index of the last interval starting at or before t, or -1. */
function lastStartAtOrBefore(starts: Float64Array, t: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] ?? 0) <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Open milliseconds from the start of the compiled window to t. */
function position(c: CompiledCalendar, t: number): number {
  const i = lastStartAtOrBefore(c.starts, t);
  if (i < 0) return 0;
  const s = c.starts[i] ?? 0;
  const e = c.ends[i] ?? 0;
  return (c.before[i] ?? 0) + Math.min(t, e) - s;
}

/** Whether the calendar is open at t (start included, end excluded). */
export function isOpen(c: CompiledCalendar, t: number): boolean {
  if (continuous(c)) return true;
  cover(c, t, t);
  const i = lastStartAtOrBefore(c.starts, t);
  return i >= 0 && t < (c.ends[i] ?? 0);
}

/** Business milliseconds between two instants (negative when `to` is before `from`). */
export function businessTimeBetween(c: CompiledCalendar, from: number, to: number): number {
  if (continuous(c)) return to - from;
  cover(c, Math.min(from, to), Math.max(from, to));
  return position(c, to) - position(c, from);
}

/**
 * The earliest instant at which `ms` of business time will have passed since `start`
 * (ms ≤ 0: `start` itself). It always falls inside opening hours or on a closing moment:
 * 8 h from 09:00 on a 09:00–17:00 day is 17:00 that day, not 09:00 the next. Null if the
 * calendar stays closed for ten years.
 */
export function addBusinessTime(c: CompiledCalendar, start: number, ms: number): number | null {
  if (ms <= 0) return start;
  if (continuous(c)) return start + ms;
  cover(c, start, start);
  const limit = start + MAX_YEARS * 366 * 86_400_000;
  for (;;) {
    const target = position(c, start) + ms;
    const n = c.starts.length;
    const lastEnd =
      n > 0 ? (c.before[n - 1] ?? 0) + (c.ends[n - 1] ?? 0) - (c.starts[n - 1] ?? 0) : 0;
    if (target <= lastEnd) {
      // The first interval whose cumulative end reaches the target.
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const end = (c.before[mid] ?? 0) + (c.ends[mid] ?? 0) - (c.starts[mid] ?? 0);
        if (end >= target) hi = mid;
        else lo = mid + 1;
      }
      return (c.starts[lo] ?? 0) + target - (c.before[lo] ?? 0);
    }
    const reach = Date.UTC(c.toYear + 1, 0, 1);
    if (reach > limit) return null;
    // Not far enough yet: twice the window (at least a year more), then search again.
    cover(c, start, Date.UTC(c.toYear + 1 + (c.toYear - c.fromYear), 6, 1));
  }
}

/**
 * The latest instant from which `ms` of business time runs until `end` (the inverse of
 * `addBusinessTime`: subtracting what was added returns the start, or the next opening when
 * the start was closed). Null if the calendar was closed for ten years before.
 */
export function subtractBusinessTime(c: CompiledCalendar, end: number, ms: number): number | null {
  if (ms <= 0) return end;
  if (continuous(c)) return end - ms;
  cover(c, end, end);
  const limit = end - MAX_YEARS * 366 * 86_400_000;
  for (;;) {
    const target = position(c, end) - ms;
    if (target >= 0 && c.starts.length > 0) {
      // The last interval whose open time starts at or before the target.
      let lo = 0;
      let hi = c.starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((c.before[mid] ?? 0) <= target) lo = mid;
        else hi = mid - 1;
      }
      return (c.starts[lo] ?? 0) + target - (c.before[lo] ?? 0);
    }
    const reach = Date.UTC(c.fromYear, 0, 1);
    if (reach < limit) return null;
    cover(c, Date.UTC(c.fromYear - 1 - (c.toYear - c.fromYear), 6, 1), end);
  }
}

/** The next instant at or after t when the calendar is open (null: closed for ten years). */
export function nextOpening(c: CompiledCalendar, t: number): number | null {
  if (isOpen(c, t)) return t;
  const at = addBusinessTime(c, t, 1);
  return at === null ? null : at - 1;
}

/** Compiled calendars by a key the caller chooses (id + updatedAt): compile once, reuse. */
export class CalendarCache {
  private readonly entries = new Map<string, CompiledCalendar>();
  constructor(private readonly capacity = 500) {}

  get(key: string, spec: () => CalendarSpec): CompiledCalendar {
    let found = this.entries.get(key);
    if (!found) {
      found = compileCalendar(spec());
      if (this.entries.size >= this.capacity) this.entries.clear();
      this.entries.set(key, found);
    }
    return found;
  }
}
