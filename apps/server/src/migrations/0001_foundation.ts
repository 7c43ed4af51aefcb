import { sql, type Kysely } from 'kysely';

/**
 * Platform tables, workspaces and the people who work in them.
 * Every tenant table carries workspace_id first in its primary key and unique keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await sql`
    create table workspaces (
      id uuid primary key,
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text not null,
      default_locale text not null default 'en',
      time_zone text not null default 'UTC',
      ticket_prefix text not null default '#',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table users (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      email text not null check (email = lower(email)),
      name text not null,
      role text not null check (role in ('owner', 'admin', 'manager', 'agent', 'collaborator')),
      status text not null default 'active' check (status in ('active', 'deactivated')),
      password_hash text,
      locale text not null default 'en',
      time_zone text not null default 'UTC',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      password_changed_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, email)
    )`.execute(db);
  await sql`create index users_email_idx on users (email)`.execute(db);

  await sql`
    create table sessions (
      workspace_id uuid not null,
      token_hash bytea not null,
      user_id uuid not null,
      csrf_token text not null,
      ip text,
      user_agent text,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (workspace_id, token_hash),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index sessions_user_idx on sessions (workspace_id, user_id)`.execute(db);

  await sql`
    create table api_tokens (
      workspace_id uuid not null,
      id uuid not null,
      user_id uuid not null,
      name text not null,
      token_hash bytea not null,
      prefix text not null,
      scopes text[] not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, token_hash),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table invitations (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      email text not null,
      role text not null,
      name text,
      token_hash bytea not null,
      invited_by uuid,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, token_hash)
    )`.execute(db);

  await sql`
    create table outbox_events (
      workspace_id uuid not null,
      id bigserial not null,
      aggregate_type text not null,
      aggregate_id text not null,
      type text not null,
      data jsonb not null default '{}',
      broadcast boolean not null default false,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index outbox_pending_idx on outbox_events (id) where dispatched_at is null`.execute(
    db,
  );
  await sql`
    create index outbox_pending_aggregate_idx on outbox_events (workspace_id, aggregate_type, aggregate_id, id)
     where dispatched_at is null`.execute(db);
  await sql`create index outbox_dispatched_idx on outbox_events (dispatched_at) where dispatched_at is not null`.execute(
    db,
  );

  await sql`
    create table audit_log (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id bigserial not null,
      actor_user_id uuid,
      action text not null,
      target_type text not null,
      target_id text not null,
      details jsonb not null default '{}',
      ip text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'outbox_events',
    'invitations',
    'api_tokens',
    'sessions',
    'users',
    'workspaces',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
