import { sql, type Kysely } from 'kysely';

/**
 * The live-chat widget: one settings row per workspace, found by its public key (the embed
 * snippet's). Visitors are contacts with a `chat` identity; their tokens are stateless.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table widget_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      public_key text not null unique,
      enabled boolean not null default true,
      title text not null default 'Chat with us',
      color text not null default '#4f46e5' check (color ~ '^#[0-9a-fA-F]{6}$'),
      greeting jsonb not null default '{}',
      prechat jsonb not null default '{"enabled": false, "fields": [], "required": []}',
      team_id uuid,
      identity_secret_sealed text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      foreign key (workspace_id, team_id) references teams (workspace_id, id) on delete set null (team_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table widget_settings`.execute(db);
}
