import { sql, type Kysely } from 'kysely';

/** An address that bounced permanently: replies to it fail at once until the customer writes again. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table contact_identities
      add column undeliverable_at timestamptz,
      add column undeliverable_reason text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table contact_identities
      drop column if exists undeliverable_reason,
      drop column if exists undeliverable_at`.execute(db);
}
