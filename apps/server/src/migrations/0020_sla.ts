import { sql, type Kysely } from 'kysely';

/**
 * SLAs: business-hours calendars (teams point at one), ordered SLA policies, each
 * conversation's SLA state (policy, pauses, clocks per target, notices already sent), and
 * the due times copied onto the conversation so the inbox sorts and filters by time to
 * breach in one index range.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sla_calendars (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      time_zone text not null,
      always_open boolean not null default false,
      weekly_hours jsonb not null default '{}',
      holidays jsonb,
      closed_dates text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index sla_calendars_name_idx on sla_calendars (workspace_id, lower(name))`.execute(
    db,
  );

  // Teams had a calendar id waiting for this table; nothing could point anywhere yet.
  await sql`update teams set calendar_id = null where calendar_id is not null`.execute(db);
  await sql`
    alter table teams add constraint teams_calendar_fk
      foreign key (workspace_id, calendar_id) references sla_calendars (workspace_id, id)`.execute(
    db,
  );

  await sql`
    create table sla_policies (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      description text,
      position integer not null default 0,
      enabled boolean not null default true,
      calendar_id uuid,
      conditions jsonb not null default '{}',
      targets jsonb not null,
      pause_on_hold boolean not null default false,
      warn_at_percent integer[] not null default '{75}',
      escalations jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, calendar_id) references sla_calendars (workspace_id, id)
    )`.execute(db);
  await sql`create index sla_policies_order_idx on sla_policies (workspace_id, position, id)`.execute(
    db,
  );

  // One row per conversation that has been evaluated: what the clocks are computed from.
  await sql`
    create table conversation_slas (
      workspace_id uuid not null,
      conversation_id uuid not null,
      policy_id uuid,
      calendar_id uuid,
      reason jsonb not null default '[]',
      pauses jsonb not null default '[]',
      targets jsonb not null default '[]',
      fired text[] not null default '{}',
      evaluated_at timestamptz not null default now(),
      primary key (workspace_id, conversation_id),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id)
        on delete cascade
    )`.execute(db);

  await sql`
    alter table conversations
      add column sla_policy_id uuid,
      add column sla_due_at timestamptz,
      add column sla_breached_at timestamptz,
      add column first_response_due_at timestamptz,
      add column next_response_due_at timestamptz,
      add column resolution_due_at timestamptz`.execute(db);
  // "Due within the next minute" and the time-to-breach filter: one range, running clocks only.
  await sql`
    create index conversations_sla_due_idx on conversations (workspace_id, sla_due_at, id)
      where sla_due_at is not null`.execute(db);
  await sql`
    create index conversations_sla_breached_idx on conversations (workspace_id, sla_breached_at)
      where sla_breached_at is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists conversations_sla_breached_idx`.execute(db);
  await sql`drop index if exists conversations_sla_due_idx`.execute(db);
  await sql`
    alter table conversations
      drop column sla_policy_id, drop column sla_due_at, drop column sla_breached_at,
      drop column first_response_due_at, drop column next_response_due_at,
      drop column resolution_due_at`.execute(db);
  await sql`drop table conversation_slas`.execute(db);
  await sql`drop table sla_policies`.execute(db);
  await sql`alter table teams drop constraint teams_calendar_fk`.execute(db);
  await sql`drop table sla_calendars`.execute(db);
}
