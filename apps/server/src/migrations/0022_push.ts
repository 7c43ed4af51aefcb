import { sql, type Kysely } from 'kysely';

/**
 * Web Push: the installation's VAPID key pair (generated on first use; the private key sealed
 * with SECRET_KEY) and each user's browser subscriptions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Installation-wide, not a tenant table: one key pair signs every workspace's pushes.
  await sql`
    create table installation_secrets (
      name text primary key,
      value jsonb not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table push_subscriptions (
      workspace_id uuid not null,
      id uuid not null,
      user_id uuid not null,
      endpoint text not null check (length(endpoint) <= 2048),
      p256dh text not null,
      auth text not null,
      user_agent text,
      created_at timestamptz not null default now(),
      last_sent_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, endpoint),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index push_subscriptions_user_idx on push_subscriptions (workspace_id, user_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table push_subscriptions`.execute(db);
  await sql`drop table installation_secrets`.execute(db);
}
