import { sql, type Kysely } from 'kysely';

/**
 * Two-factor sign-in (TOTP): a user's secret (sealed with the workspace key; pending until
 * confirmed with a code), their single-use recovery codes (HMAC only), and the short-lived
 * challenges a password sign-in answers with when 2FA is on (sha256 of the token only).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_two_factor (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null,
      secret_sealed text not null,
      enabled_at timestamptz,
      last_used_step bigint,
      created_at timestamptz not null default now(),
      primary key (workspace_id, user_id),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table two_factor_recovery_codes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null,
      code_hash text not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, user_id, code_hash),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table two_factor_challenges (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      user_id uuid not null,
      token_hash bytea not null,
      attempts integer not null default 0,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      consumed_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, token_hash),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table two_factor_challenges`.execute(db);
  await sql`drop table two_factor_recovery_codes`.execute(db);
  await sql`drop table user_two_factor`.execute(db);
}
