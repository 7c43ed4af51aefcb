import { sql, type Kysely } from 'kysely';

/**
 * Full-text search over subjects and messages, and trigram search over contacts.
 * `search_text` holds the text as the index should see it when that differs from the text
 * (Chinese split into words, Persian letters unified); the tsvector is generated from it.
 * GIN indexes lead with workspace_id (btree_gin), so a common word in one workspace never
 * makes another's search scan its rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists btree_gin`.execute(db);
  await sql`alter table messages add column search_text text`.execute(db);
  await sql`
    alter table messages add column search tsvector
      generated always as (to_tsvector('simple'::regconfig, coalesce(search_text, text))) stored`.execute(
    db,
  );
  await sql`create index messages_search_idx on messages using gin (workspace_id, search)`.execute(
    db,
  );
  await sql`alter table conversations add column search_text text`.execute(db);
  await sql`
    alter table conversations add column search tsvector
      generated always as (to_tsvector('simple'::regconfig, coalesce(search_text, subject))) stored`.execute(
    db,
  );
  await sql`create index conversations_search_idx on conversations using gin (workspace_id, search)`.execute(
    db,
  );
  await sql`create index contacts_name_trgm_idx on contacts using gin (workspace_id, name gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index contact_identities_value_trgm_idx on contact_identities using gin (workspace_id, value gin_trgm_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists contact_identities_value_trgm_idx`.execute(db);
  await sql`drop index if exists contacts_name_trgm_idx`.execute(db);
  await sql`alter table conversations drop column if exists search, drop column if exists search_text`.execute(
    db,
  );
  await sql`alter table messages drop column if exists search, drop column if exists search_text`.execute(
    db,
  );
}
