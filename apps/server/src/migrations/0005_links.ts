import { sql, type Kysely } from 'kysely';

/** Links between conversations (related, parent/child), stored in both directions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table conversation_links (
      workspace_id uuid not null,
      conversation_id uuid not null,
      linked_id uuid not null,
      kind text not null check (kind in ('related', 'parent', 'child')),
      created_by uuid,
      created_at timestamptz not null default now(),
      primary key (workspace_id, conversation_id, linked_id),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id) on delete cascade,
      foreign key (workspace_id, linked_id) references conversations (workspace_id, id) on delete cascade,
      check (conversation_id <> linked_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists conversation_links`.execute(db);
}
