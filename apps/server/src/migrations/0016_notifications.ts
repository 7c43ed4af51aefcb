import { sql, type Kysely } from 'kysely';

/**
 * Agent notifications by email: each user's preferences (defaults applied in code, so `{}`
 * means "everything on"), and a mailbox's DKIM key (JSON sealed with the workspace key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table users
      add column notification_preferences jsonb not null default '{}'::jsonb`.execute(db);
  await sql`alter table mailboxes add column dkim_sealed text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table mailboxes drop column if exists dkim_sealed`.execute(db);
  await sql`alter table users drop column if exists notification_preferences`.execute(db);
}
