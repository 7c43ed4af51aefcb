import { sql, type Kysely } from 'kysely';

/**
 * The customer portal: one-time access challenges (a 6-digit code and a magic-link token,
 * both stored only as hashes) and the sessions they open, each scoped to one conversation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table portal_challenges (
      workspace_id uuid not null,
      id uuid not null,
      conversation_id uuid not null,
      contact_id uuid not null,
      identity_kind text not null check (identity_kind in ('email', 'phone', 'whatsapp')),
      identity_value text not null,
      token_hash bytea not null,
      code_hash text not null,
      attempts integer not null default 0,
      expires_at timestamptz not null,
      consumed_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, token_hash),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id) on delete cascade,
      foreign key (workspace_id, contact_id) references contacts (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index portal_challenges_conversation_idx on portal_challenges (workspace_id, conversation_id, created_at desc)`.execute(
    db,
  );
  await sql`create index portal_challenges_expires_idx on portal_challenges (expires_at)`.execute(
    db,
  );

  await sql`
    create table portal_sessions (
      workspace_id uuid not null,
      token_hash bytea not null,
      id uuid not null,
      conversation_id uuid not null,
      contact_id uuid not null,
      identity_kind text not null check (identity_kind in ('email', 'phone', 'whatsapp')),
      identity_value text not null,
      challenge_id uuid not null,
      csrf_token text not null,
      ip text,
      user_agent text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (workspace_id, token_hash),
      unique (workspace_id, id),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id) on delete cascade,
      foreign key (workspace_id, contact_id) references contacts (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index portal_sessions_expires_idx on portal_sessions (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists portal_sessions`.execute(db);
  await sql`drop table if exists portal_challenges`.execute(db);
}
