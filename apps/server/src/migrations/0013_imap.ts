import { sql, type Kysely } from 'kysely';

/**
 * IMAP polling of existing mailboxes: the connection settings (sealed with the workspace key,
 * like the SMTP transport), how far each mailbox's folder has been read (UIDVALIDITY and the
 * last UID filed), and a per-mailbox key for mail without a Message-ID so a refetch after a
 * crash files it once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // JSON {host, port, secure, user, password, folder, moveTo}, sealed (AES-GCM).
  await sql`alter table mailboxes add column imap_sealed text`.execute(db);

  await sql`
    create table imap_state (
      workspace_id uuid not null,
      mailbox_id uuid not null,
      folder text not null,
      uidvalidity bigint,
      last_uid bigint not null default 0,
      last_polled_at timestamptz,
      last_error text,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, mailbox_id, folder),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);

  // Where a mail came from in its source (IMAP: folder, UIDVALIDITY and UID): the same one
  // again is a duplicate even when it has no Message-ID.
  await sql`alter table inbound_emails add column source_ref text`.execute(db);
  await sql`
    create unique index inbound_emails_source_ref_idx
      on inbound_emails (workspace_id, mailbox_id, source_ref) where source_ref is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists inbound_emails_source_ref_idx`.execute(db);
  await sql`alter table inbound_emails drop column if exists source_ref`.execute(db);
  await sql`drop table if exists imap_state`.execute(db);
  await sql`alter table mailboxes drop column if exists imap_sealed`.execute(db);
}
