import { sql, type Kysely } from 'kysely';

/** Canned responses: shared by the workspace (owner null) or one agent's own. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table canned_responses (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      owner_id uuid,
      title text not null check (length(title) between 1 and 200),
      shortcut text check (shortcut ~ '^[a-z0-9_-]{1,40}$'),
      language text,
      body text not null check (length(body) between 1 and 20000),
      created_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, owner_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  // A shortcut names one response among those a person sees: unique among shared ones, and
  // among each person's own.
  await sql`create unique index canned_shared_shortcut_idx on canned_responses (workspace_id, shortcut)
             where owner_id is null and shortcut is not null`.execute(db);
  await sql`create unique index canned_own_shortcut_idx on canned_responses (workspace_id, owner_id, shortcut)
             where owner_id is not null and shortcut is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table canned_responses`.execute(db);
}
