import type {
  Calendar,
  CalendarClosedDays,
  CalendarCreateBody,
  CalendarUpdateBody,
  HolidaySource,
  WeeklyHours,
} from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import { DateTime } from 'luxon';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { assertTimeZone, dayIntervals } from '../availability/schedule.js';
import {
  CalendarCache,
  knownHolidayRegion,
  publicHolidayDates,
  type CalendarSpec,
} from './calendar.js';
import type { SlaCalendarsTable } from './sla.tables.js';

type CalendarRow = Selectable<SlaCalendarsTable>;

export function presentCalendar(row: CalendarRow): Calendar {
  return {
    id: row.id,
    name: row.name,
    timeZone: row.timeZone,
    alwaysOpen: row.alwaysOpen,
    weeklyHours: row.weeklyHours,
    holidays: row.holidays
      ? { country: row.holidays.country, region: row.holidays.region ?? null }
      : null,
    closedDates: row.closedDates,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function specOf(row: CalendarRow): CalendarSpec {
  return {
    timeZone: row.timeZone,
    alwaysOpen: row.alwaysOpen,
    weeklyHours: row.weeklyHours,
    holidays: row.holidays,
    closedDates: row.closedDates,
  };
}

/** Compiled calendars of this process, by id and version (updatedAt): compiled once, reused. */
const compiled = new CalendarCache();

export function compiledCalendar(row: CalendarRow) {
  return compiled.get(`${row.id}:${row.updatedAt.getTime()}`, () => specOf(row));
}

/** The calendar, or 404 `calendar_not_found` (also for another workspace's). */
export async function assertCalendar(db: Db | Tx, workspaceId: string, calendarId: string) {
  const row = await db
    .selectFrom('slaCalendars')
    .selectAll()
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', calendarId)
    .executeTakeFirst();
  if (!row) throw notFound('The calendar', 'calendar_not_found');
  return row;
}

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', `${path} ${message}`, {
    details: { issues: [{ path, message }] },
  });

/**
 * A calendar as it will be stored, checked: an IANA zone, hours that make sense (and some,
 * unless it is 24/7), holidays of a country (and region) date-holidays knows, real dates.
 */
function checkedSpec(spec: {
  timeZone: string;
  alwaysOpen: boolean;
  weeklyHours: WeeklyHours;
  holidays: HolidaySource | null;
  closedDates: string[];
}) {
  assertTimeZone(spec.timeZone);
  const intervals = dayIntervals(spec.weeklyHours);
  if (!spec.alwaysOpen && intervals.length === 0)
    throw invalid('body.weeklyHours', 'has no opening hours (use alwaysOpen for 24/7)');
  if (spec.holidays && !knownHolidayRegion(spec.holidays.country, spec.holidays.region))
    throw invalid(
      'body.holidays',
      `names no holiday calendar we know (${spec.holidays.country}${spec.holidays.region ? `-${spec.holidays.region}` : ''})`,
    );
  spec.closedDates.forEach((date, n) => {
    if (!DateTime.fromISO(date).isValid) throw invalid(`body.closedDates.${n}`, 'is not a date');
  });
  return { ...spec, closedDates: [...new Set(spec.closedDates)].sort() };
}

async function namedUniquely<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'sla_calendars_name_idx')
      throw new AppError('calendar_name_taken', `There is already a calendar called ${name ?? ''}`);
    throw error;
  }
}

function recordCalendarEvent(trx: Tx, actor: Actor, id: string, type: string, data: object) {
  return recordEvent(trx, {
    workspaceId: actor.workspaceId,
    aggregateType: 'calendar',
    aggregateId: id,
    type,
    data: { ...data, actorId: actor.userId },
  });
}

export async function findCalendars(props: { db: Db; workspaceId: string }): Promise<Calendar[]> {
  const rows = await props.db
    .selectFrom('slaCalendars')
    .selectAll()
    .where('workspaceId', '=', props.workspaceId)
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
  return rows.map(presentCalendar);
}

export async function getCalendar(props: { db: Db; workspaceId: string; calendarId: string }) {
  return presentCalendar(await assertCalendar(props.db, props.workspaceId, props.calendarId));
}

export async function createCalendar(props: {
  db: Db;
  actor: Actor;
  body: CalendarCreateBody;
}): Promise<Calendar> {
  const { actor, body } = props;
  const spec = checkedSpec({
    timeZone: body.timeZone,
    alwaysOpen: body.alwaysOpen ?? false,
    weeklyHours: body.weeklyHours ?? {},
    holidays: body.holidays ?? null,
    closedDates: body.closedDates ?? [],
  });
  const row = await namedUniquely(body.name, () =>
    props.db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto('slaCalendars')
        .values({
          workspaceId: actor.workspaceId,
          id: uuidv7(),
          name: body.name,
          timeZone: spec.timeZone,
          alwaysOpen: spec.alwaysOpen,
          weeklyHours: JSON.stringify(spec.weeklyHours),
          holidays: spec.holidays ? JSON.stringify(spec.holidays) : null,
          closedDates: spec.closedDates,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordCalendarEvent(trx, actor, created.id, 'calendar.created', { name: body.name });
      return created;
    }),
  );
  return presentCalendar(row);
}

export async function updateCalendar(props: {
  db: Db;
  actor: Actor;
  calendarId: string;
  changes: CalendarUpdateBody;
}): Promise<Calendar> {
  const { actor, changes } = props;
  const row = await namedUniquely(changes.name, () =>
    props.db.transaction().execute(async (trx) => {
      const before = await assertCalendar(trx, actor.workspaceId, props.calendarId);
      const spec = checkedSpec({
        timeZone: changes.timeZone ?? before.timeZone,
        alwaysOpen: changes.alwaysOpen ?? before.alwaysOpen,
        weeklyHours: changes.weeklyHours ?? before.weeklyHours,
        holidays: changes.holidays !== undefined ? changes.holidays : before.holidays,
        closedDates: changes.closedDates ?? before.closedDates,
      });
      const updated = await trx
        .updateTable('slaCalendars')
        .set({
          name: changes.name ?? before.name,
          timeZone: spec.timeZone,
          alwaysOpen: spec.alwaysOpen,
          weeklyHours: JSON.stringify(spec.weeklyHours),
          holidays: spec.holidays ? JSON.stringify(spec.holidays) : null,
          closedDates: spec.closedDates,
          updatedAt: new Date(),
        })
        .where('workspaceId', '=', actor.workspaceId)
        .where('id', '=', props.calendarId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordCalendarEvent(trx, actor, props.calendarId, 'calendar.updated', { changes });
      return updated;
    }),
  );
  return presentCalendar(row);
}

/** Deletes a calendar no team and no policy uses (`409 calendar_in_use` says who does). */
export async function deleteCalendar(props: { db: Db; actor: Actor; calendarId: string }) {
  const { actor } = props;
  await props.db.transaction().execute(async (trx) => {
    await assertCalendar(trx, actor.workspaceId, props.calendarId);
    const teams = await trx
      .selectFrom('teams')
      .select('id')
      .where('workspaceId', '=', actor.workspaceId)
      .where('calendarId', '=', props.calendarId)
      .execute();
    const policies = await trx
      .selectFrom('slaPolicies')
      .select('id')
      .where('workspaceId', '=', actor.workspaceId)
      .where('calendarId', '=', props.calendarId)
      .execute();
    if (teams.length > 0 || policies.length > 0)
      throw new AppError('calendar_in_use', 'Teams or SLA policies still use this calendar', {
        details: { teamIds: teams.map((t) => t.id), policyIds: policies.map((p) => p.id) },
      });
    await trx
      .deleteFrom('slaCalendars')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.calendarId)
      .execute();
    await recordCalendarEvent(trx, actor, props.calendarId, 'calendar.deleted', {});
  });
}

/** The days of `year` the calendar is closed all day: public holidays and its own dates. */
export async function closedDays(props: {
  db: Db;
  workspaceId: string;
  calendarId: string;
  year: number;
}): Promise<CalendarClosedDays> {
  const row = await assertCalendar(props.db, props.workspaceId, props.calendarId);
  const days = new Map<string, CalendarClosedDays['data'][number]>();
  if (row.holidays)
    for (const h of publicHolidayDates(row.holidays.country, row.holidays.region, props.year))
      if (!days.has(h.date)) days.set(h.date, { date: h.date, name: h.name, source: 'holiday' });
  for (const date of row.closedDates)
    if (date.startsWith(`${String(props.year)}-`) && !days.has(date))
      days.set(date, { date, name: null, source: 'custom' });
  return { data: [...days.values()].sort((a, b) => a.date.localeCompare(b.date)) };
}
