import { sql, type Kysely } from 'kysely';

/**
 * Which job workers are alive. A process killed with SIGKILL leaves its jobs locked, and
 * graphile-worker frees such locks only after 4 hours; with heartbeats, a live process
 * frees the locks of a worker that stopped beating within seconds (platform/jobs.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table worker_heartbeats (
      worker_id text primary key,
      seen_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists worker_heartbeats`.execute(db);
}
