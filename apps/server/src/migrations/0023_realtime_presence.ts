import { sql, type Kysely } from 'kysely';

/**
 * Presence from the realtime connection: every node stamps the agents it has a socket for;
 * an agent not stamped for a while is set offline by a sweep (see modules/realtime/presence.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agents add column realtime_seen_at timestamptz`.execute(db);
  // The sweep reads only agents shown present who have used the app.
  await sql`
    create index agents_realtime_seen_idx on agents (realtime_seen_at)
     where presence <> 'offline' and realtime_seen_at is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agents drop column realtime_seen_at`.execute(db);
}
