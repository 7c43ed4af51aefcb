import { sql, type Kysely } from 'kysely';

/**
 * The routing engine: ordered routing rules per workspace (conditions → team, required
 * skills, priority, tags) and, for round-robin, when each team member was last assigned.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table routing_rules (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      position integer not null default 0,
      enabled boolean not null default true,
      conditions jsonb not null default '{}',
      actions jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  // The order rules are tried in.
  await sql`create index routing_rules_order_idx on routing_rules (workspace_id, position, id)`.execute(
    db,
  );
  await sql`alter table team_members add column last_assigned_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table team_members drop column last_assigned_at`.execute(db);
  await sql`drop table routing_rules`.execute(db);
}
