import { sql, type Kysely } from 'kysely';

/**
 * Routing, second part: when a conversation entered its team queue (`queued_at`, kept by a
 * trigger on every path that unassigns it, moves it to another team or reopens it; null
 * means "since it was created"), which the manager view's oldest wait and overflow read;
 * and how many conversations the engine gave each agent on their workspace's current day
 * (`assigned_day`, `assigned_today`), the fairness count strategies rank by.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table conversations add column queued_at timestamptz`.execute(db);
  await sql`
    create function conversations_queued_at() returns trigger language plpgsql as $$
    begin
      if new.assignee_id is null and new.status in ('new', 'open') and (
           old.assignee_id is not null
           or old.team_id is distinct from new.team_id
           or old.status not in ('new', 'open')) then
        new.queued_at := now();
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger conversations_queued_at
      before update of assignee_id, team_id, status on conversations
      for each row execute function conversations_queued_at()`.execute(db);
  await sql`
    alter table agents
      add column assigned_day date,
      add column assigned_today integer not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agents drop column assigned_today, drop column assigned_day`.execute(db);
  await sql`drop trigger conversations_queued_at on conversations`.execute(db);
  await sql`drop function conversations_queued_at()`.execute(db);
  await sql`alter table conversations drop column queued_at`.execute(db);
}
