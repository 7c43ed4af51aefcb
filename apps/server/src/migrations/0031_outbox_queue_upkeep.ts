import { sql, type Kysely } from 'kysely';

/**
 * The outbox is a queue: every event is inserted, marked published, marked dispatched and
 * soon deleted, and the lanes read it by index in id order. Two things made a pass cost more
 * the busier the system was:
 * - The subscriber lane keeps an aggregate's later events back while an earlier one waits to
 *   be retried. It looked for such an event among ALL pending events, through an index on
 *   every pending event; with statistics behind a growing backlog the planner paired each
 *   candidate with a scan of the whole backlog (seconds a batch: the lane fell further
 *   behind). Only failed events (`attempts > 0`) can hold others back, so the index now holds
 *   those alone: near empty, and nothing to write for a new event.
 * - Each mark leaves the row's old version behind, and a lane's index scan walks the index
 *   entries of those until a vacuum removes them: 9,500 a scan under the create benchmark,
 *   where autovacuum came once a minute. The table is vacuumed after every 2,000 changed rows
 *   (without the cost-based pause: it is small), so scans stay short. Autovacuum looks at a
 *   database every `autovacuum_naptime` (60 s by default; the embedded PostgreSQL uses 5 s,
 *   the README recommends it for a busy install's own server).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index outbox_pending_aggregate_idx`.execute(db);
  await sql`
    create index outbox_failing_idx on outbox_events (workspace_id, aggregate_type, aggregate_id, id)
     where dispatched_at is null and attempts > 0`.execute(db);
  await sql`
    alter table outbox_events set (
      autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
      autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000,
      autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000,
      autovacuum_vacuum_cost_delay = 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table outbox_events reset (
      autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
      autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold,
      autovacuum_analyze_scale_factor, autovacuum_analyze_threshold,
      autovacuum_vacuum_cost_delay)`.execute(db);
  await sql`drop index outbox_failing_idx`.execute(db);
  await sql`
    create index outbox_pending_aggregate_idx on outbox_events (workspace_id, aggregate_type, aggregate_id, id)
     where dispatched_at is null`.execute(db);
}
