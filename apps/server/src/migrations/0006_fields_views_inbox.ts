import { sql, type Kysely } from 'kysely';

/**
 * Per-workspace configuration (reopen window, acknowledgement templates, typed custom
 * fields), saved inbox views, and what keeps the inbox one index range: the contact's
 * name/email/phone copied onto the conversation, and the priority as a sortable rank.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table workspaces
      add column reopen_window_days integer not null default 7
        check (reopen_window_days between 0 and 365),
      add column acknowledgements_enabled boolean not null default true`.execute(db);

  await sql`
    create table acknowledgement_templates (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      locale text not null check (locale in ('en', 'pl', 'sv', 'fa', 'zh')),
      subject text not null,
      body text not null,
      updated_by uuid,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, locale)
    )`.execute(db);

  await sql`
    create table custom_field_definitions (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      entity text not null check (entity in ('conversation', 'contact')),
      key text not null check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
      label text not null,
      type text not null check (type in ('text', 'number', 'boolean', 'date', 'select', 'multiselect')),
      options text[] not null default '{}',
      description text,
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, entity, key)
    )`.execute(db);

  await sql`
    create table saved_views (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      owner_id uuid not null,
      visibility text not null check (visibility in ('private', 'team', 'workspace')),
      team_id uuid,
      filters jsonb not null default '{}',
      sort text,
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, owner_id) references users (workspace_id, id) on delete cascade,
      check ((visibility = 'team') = (team_id is not null))
    )`.execute(db);
  await sql`create index saved_views_owner_idx on saved_views (workspace_id, owner_id)`.execute(db);

  await sql`
    alter table conversations
      add column contact_name text,
      add column contact_email text,
      add column contact_phone text,
      add column priority_rank smallint not null generated always as (
        case priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end
      ) stored`.execute(db);
  await sql`
    update conversations c set
      contact_name = p.name,
      contact_email = (select i.value from contact_identities i
                        where i.workspace_id = c.workspace_id and i.contact_id = c.contact_id
                          and i.kind = 'email' order by i.created_at, i.value limit 1),
      contact_phone = (select i.value from contact_identities i
                        where i.workspace_id = c.workspace_id and i.contact_id = c.contact_id
                          and i.kind in ('phone', 'whatsapp') order by i.created_at, i.value limit 1)
      from contacts p
     where p.workspace_id = c.workspace_id and p.id = c.contact_id`.execute(db);
  // "Open, assigned to me (or unassigned), most urgent then oldest": one index range.
  await sql`
    create index conversations_assignee_priority_idx
      on conversations (workspace_id, assignee_id, status, priority_rank, created_at, id)`.execute(
    db,
  );
  await sql`
    create index conversations_custom_fields_idx
      on conversations using gin (custom_fields jsonb_path_ops)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists conversations_custom_fields_idx`.execute(db);
  await sql`drop index if exists conversations_assignee_priority_idx`.execute(db);
  await sql`
    alter table conversations
      drop column if exists priority_rank,
      drop column if exists contact_phone,
      drop column if exists contact_email,
      drop column if exists contact_name`.execute(db);
  for (const table of ['saved_views', 'custom_field_definitions', 'acknowledgement_templates']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`
    alter table workspaces
      drop column if exists acknowledgements_enabled,
      drop column if exists reopen_window_days`.execute(db);
}
