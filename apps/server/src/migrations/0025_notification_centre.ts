import { sql, type Kysely } from 'kysely';

/**
 * The agent app's notification centre: one row per person and thing to know (assigned to
 * you, the customer replied...), read or not. `source` makes writing one idempotent (the
 * outbox delivers at least once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notifications (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      user_id uuid not null,
      type text not null,
      conversation_id uuid,
      actor_id uuid,
      data jsonb not null default '{}',
      source text not null,
      read_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, user_id, source),
      foreign key (workspace_id, user_id) references users (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index notifications_user_idx on notifications (workspace_id, user_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index notifications_unread_idx on notifications (workspace_id, user_id) where read_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table notifications`.execute(db);
}
