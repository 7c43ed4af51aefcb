import { sql, type Kysely } from 'kysely';

/**
 * Teams and their members, typed skills with per-agent levels, what routing needs to know
 * about an agent (presence, time zone and weekly hours, capacity overrides), absences, the
 * conversation's team as a real reference and its required skills, and team-shared views.
 *
 * Shaped so a routing engine picks an eligible agent in one statement: membership by team,
 * presence by workspace, working hours as rows per weekday (split at midnight), absences as
 * a GiST range, load from the conversations' assignee index (docs/architecture.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists btree_gist`.execute(db);

  await sql`
    create table teams (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      kind text not null check (kind in ('support', 'tier', 'region', 'product', 'sales',
                                         'finance', 'legal', 'other')),
      description text,
      assignment_strategy text not null default 'manual'
        check (assignment_strategy in ('round_robin', 'least_loaded', 'skills_best_match',
                                       'sticky', 'manual')),
      settings jsonb not null default '{}',
      capacity jsonb not null default '{}',
      calendar_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index teams_name_idx on teams (workspace_id, lower(name))`.execute(db);

  await sql`
    create table team_members (
      workspace_id uuid not null,
      team_id uuid not null,
      user_id uuid not null,
      lead boolean not null default false,
      created_at timestamptz not null default now(),
      primary key (workspace_id, team_id, user_id),
      foreign key (workspace_id, team_id) references teams (workspace_id, id) on delete cascade,
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index team_members_user_idx on team_members (workspace_id, user_id)`.execute(db);

  await sql`
    create table skills (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      type text not null check (type ~ '^[a-z][a-z0-9_]{0,39}$'),
      value text not null check (length(value) between 1 and 100),
      label text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, type, value)
    )`.execute(db);

  await sql`
    create table agent_skills (
      workspace_id uuid not null,
      user_id uuid not null,
      skill_id uuid not null,
      level smallint not null check (level between 1 and 5),
      primary key (workspace_id, user_id, skill_id),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade,
      foreign key (workspace_id, skill_id) references skills (workspace_id, id) on delete cascade
    )`.execute(db);
  // "Who has skill S at level ≥ n": routing's skill filter.
  await sql`create index agent_skills_skill_idx on agent_skills (workspace_id, skill_id, level)`.execute(
    db,
  );

  // One row per agent, created on first use; no row = offline, no schedule, no override.
  await sql`
    create table agents (
      workspace_id uuid not null,
      user_id uuid not null,
      presence text not null default 'offline' check (presence in ('online', 'away', 'offline')),
      presence_changed_at timestamptz not null default now(),
      time_zone text,
      weekly_hours jsonb,
      capacity jsonb not null default '{}',
      updated_at timestamptz not null default now(),
      primary key (workspace_id, user_id),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade,
      check ((time_zone is null) = (weekly_hours is null))
    )`.execute(db);
  await sql`create index agents_online_idx on agents (workspace_id, user_id) where presence = 'online'`.execute(
    db,
  );

  // Weekly hours as rows, split at local midnight: "in hours now" is one equality and a range.
  await sql`
    create table agent_schedule_intervals (
      workspace_id uuid not null,
      user_id uuid not null,
      weekday smallint not null check (weekday between 1 and 7),
      start_minute smallint not null check (start_minute between 0 and 1439),
      end_minute smallint not null check (end_minute between 1 and 1440 and end_minute > start_minute),
      primary key (workspace_id, user_id, weekday, start_minute),
      foreign key (workspace_id, user_id) references agents (workspace_id, user_id) on delete cascade
    )`.execute(db);

  await sql`
    create table absences (
      workspace_id uuid not null,
      id uuid not null,
      user_id uuid not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      all_day boolean not null default false,
      reason text,
      delegate_id uuid,
      handed_back_at timestamptz,
      created_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade,
      foreign key (workspace_id, delegate_id) references users (workspace_id, id)
        on delete set null (delegate_id),
      check (ends_at > starts_at),
      check (delegate_id is distinct from user_id),
      exclude using gist (workspace_id with =, user_id with =, tstzrange(starts_at, ends_at) with &&)
    )`.execute(db);

  // Conversations: the team is a real reference now (a team that goes leaves its
  // conversations without one); nothing could set team_id before, so clear strays.
  await sql`update conversations set team_id = null where team_id is not null`.execute(db);
  await sql`
    alter table conversations
      add column required_skills uuid[] not null default '{}',
      add constraint conversations_team_fk foreign key (workspace_id, team_id)
        references teams (workspace_id, id) on delete set null (team_id)`.execute(db);
  // A team's queue, drained most urgent then oldest; and its per-status counts.
  await sql`
    create index conversations_team_queue_idx
      on conversations (workspace_id, team_id, priority_rank, created_at, id)
      where assignee_id is null and status in ('new', 'open')`.execute(db);
  await sql`create index conversations_team_status_idx on conversations (workspace_id, team_id, status)`.execute(
    db,
  );

  await sql`update mailboxes set team_id = null where team_id is not null`.execute(db);
  await sql`
    alter table mailboxes
      add constraint mailboxes_team_fk foreign key (workspace_id, team_id)
        references teams (workspace_id, id) on delete set null (team_id)`.execute(db);

  await sql`update saved_views set visibility = 'private', team_id = null where visibility = 'team'`.execute(
    db,
  );
  await sql`
    alter table saved_views
      add constraint saved_views_team_fk foreign key (workspace_id, team_id)
        references teams (workspace_id, id) on delete cascade`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table saved_views drop constraint if exists saved_views_team_fk`.execute(db);
  await sql`alter table mailboxes drop constraint if exists mailboxes_team_fk`.execute(db);
  await sql`drop index if exists conversations_team_status_idx`.execute(db);
  await sql`drop index if exists conversations_team_queue_idx`.execute(db);
  await sql`
    alter table conversations
      drop constraint if exists conversations_team_fk,
      drop column if exists required_skills`.execute(db);
  for (const table of [
    'absences',
    'agent_schedule_intervals',
    'agents',
    'agent_skills',
    'skills',
    'team_members',
    'teams',
  ]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
