import { sql, type RawBuilder } from 'kysely';

/**
 * "Available at `at`" as one SQL condition on an `agents` row aliased `a` (null when the
 * agent has no row: never available): online, inside working hours on the wall clock of
 * their time zone (PostgreSQL's tz database; the rows of `agent_schedule_intervals` are
 * already split at local midnight), and no absence covering `at` (the absences' GiST
 * range index). The same rule as `isAvailable` in schedule.ts; schedule.sql.test.ts checks
 * that both agree, DST changes included. A routing engine puts it in its candidate query.
 */
export function availableSql(at: RawBuilder<unknown> | Date): RawBuilder<boolean> {
  return sql<boolean>`coalesce(a.presence = 'online'
    and (a.time_zone is null or exists (
      select 1
        from agent_schedule_intervals i,
             lateral (select (${at}::timestamptz at time zone a.time_zone) as t) l
       where i.workspace_id = a.workspace_id and i.user_id = a.user_id
         and i.weekday = extract(isodow from l.t)
         and extract(hour from l.t) * 60 + extract(minute from l.t) >= i.start_minute
         and extract(hour from l.t) * 60 + extract(minute from l.t) < i.end_minute))
    and not exists (
      select 1 from absences b
       where b.workspace_id = a.workspace_id and b.user_id = a.user_id
         and tstzrange(b.starts_at, b.ends_at) @> ${at}::timestamptz), false)`;
}

/** `availableSql` at the statement's time. */
export const availableNowSql = (at: RawBuilder<unknown> = sql`now()`) => availableSql(at);
