import { sql, type Kysely } from 'kysely';

/**
 * Account flows: password reset by email link (only a hash of each token is kept), and the
 * profile's signature and avatar on users.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table password_resets (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      user_id uuid not null,
      request_id uuid not null,
      token_hash bytea not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, token_hash),
      unique (workspace_id, user_id, request_id),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    alter table users
      add column signature text check (length(signature) <= 5000),
      add column avatar_key text check (avatar_key ~ '^[0-9a-f]{64}$')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop column signature, drop column avatar_key`.execute(db);
  await sql`drop table password_resets`.execute(db);
}
