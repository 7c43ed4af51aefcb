import { sql, type Kysely } from 'kysely';

/**
 * The email channel: mailboxes (with their addresses, unique across the installation so an
 * RCPT finds one workspace), and every inbound email as received — raw bytes in the blob
 * store, one row written before the SMTP `250` — then processed into a conversation by a job.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table mailboxes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      address text not null check (address = lower(address)),
      display_name text,
      team_id uuid,
      signature text,
      language text,
      -- Outbound transport and inbound webhook secret, sealed with the workspace key (AES-GCM).
      transport_sealed text,
      webhook_secret_sealed text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);

  // Every address a mailbox receives for (its own and aliases): one mailbox per address.
  await sql`
    create table mailbox_addresses (
      address text primary key check (address = lower(address)),
      workspace_id uuid not null,
      mailbox_id uuid not null,
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index mailbox_addresses_mailbox_idx on mailbox_addresses (workspace_id, mailbox_id)`.execute(
    db,
  );

  await sql`
    create table inbound_emails (
      workspace_id uuid not null,
      id uuid not null,
      mailbox_id uuid not null,
      source text not null check (source in ('smtp', 'imap', 'webhook')),
      blob_key text not null,
      size integer not null,
      envelope_from text,
      envelope_to text[] not null default '{}',
      message_id text,
      remote_address text,
      status text not null default 'received'
        check (status in ('received', 'processed', 'duplicate', 'ignored', 'failed')),
      error text,
      attempts integer not null default 0,
      conversation_id uuid,
      message_ref uuid,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      primary key (workspace_id, id),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  // The same Message-ID to the same mailbox is one email (a client retrying after our 250 was
  // lost, IMAP seen twice): the second is recorded as nothing new.
  await sql`
    create unique index inbound_emails_message_id_idx
      on inbound_emails (workspace_id, mailbox_id, message_id) where message_id is not null`.execute(
    db,
  );
  await sql`create index inbound_emails_status_idx on inbound_emails (workspace_id, status, received_at desc)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['inbound_emails', 'mailbox_addresses', 'mailboxes']) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
