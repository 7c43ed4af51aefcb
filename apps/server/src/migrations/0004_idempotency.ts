import { sql, type Kysely } from 'kysely';

/** Remembered responses to creates sent with an Idempotency-Key (24 hours). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table idempotency_keys (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      key text not null,
      user_id uuid not null,
      method text not null,
      path text not null,
      body_hash text not null,
      status integer,
      response jsonb,
      created_at timestamptz not null default now(),
      primary key (workspace_id, key)
    )`.execute(db);
  await sql`create index idempotency_keys_created_idx on idempotency_keys (created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists idempotency_keys`.execute(db);
}
