import { sql, type Kysely } from 'kysely';

/**
 * Broadcast events get their own lane in the outbox: `published_at` says the realtime bus
 * has them, apart from `dispatched_at` (every subscriber ran), so a screen never waits for
 * another event's side effects (see platform/outbox.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox_events add column published_at timestamptz`.execute(db);
  // Until now the dispatcher published a broadcast event as it dispatched it.
  await sql`
    update outbox_events set published_at = dispatched_at
     where broadcast and dispatched_at is not null`.execute(db);
  await sql`
    create index outbox_unpublished_idx on outbox_events (id)
     where broadcast and published_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox_events drop column published_at`.execute(db);
}
