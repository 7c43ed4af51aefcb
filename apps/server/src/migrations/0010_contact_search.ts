import { sql, type Kysely } from 'kysely';

/**
 * Contact names in full-text search, like subjects and messages: pg_trgm finds no trigrams
 * in Persian or Chinese under the C ctype of the embedded database, so `ilike` on a name in
 * those scripts read every contact (124 ms at 350k contacts). `search_text` holds the name
 * as the index should see it when that differs (Chinese segmented, Persian letters unified).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table contacts add column search_text text`.execute(db);
  await sql`
    alter table contacts add column search tsvector
      generated always as (to_tsvector('simple'::regconfig, coalesce(search_text, name, ''))) stored`.execute(
    db,
  );
  await sql`create index contacts_search_idx on contacts using gin (search)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table contacts drop column if exists search, drop column if exists search_text`.execute(
    db,
  );
}
