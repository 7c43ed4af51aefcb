import { sql, type Kysely } from 'kysely';

/** When a team's lead was last alerted about staffing, so the alert comes at most hourly. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sla_team_alerts (
      workspace_id uuid not null,
      team_id uuid not null,
      kind text not null,
      fired_at timestamptz not null,
      data jsonb not null default '{}',
      primary key (workspace_id, team_id, kind),
      foreign key (workspace_id, team_id) references teams (workspace_id, id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table sla_team_alerts`.execute(db);
}
