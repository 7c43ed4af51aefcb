import { sql, type Kysely } from 'kysely';

/** Contacts with their channel identities, conversations (tickets), messages, timeline. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organizations (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      domains text[] not null default '{}',
      attributes jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table contacts (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text,
      organization_id uuid,
      language text,
      attributes jsonb not null default '{}',
      notes text,
      merged_into_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, organization_id) references organizations (workspace_id, id)
        on delete set null (organization_id)
    )`.execute(db);

  await sql`
    create table contact_identities (
      workspace_id uuid not null,
      kind text not null check (kind in ('email', 'phone', 'whatsapp', 'telegram', 'chat')),
      value text not null,
      contact_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, kind, value),
      foreign key (workspace_id, contact_id) references contacts (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index contact_identities_contact_idx on contact_identities (workspace_id, contact_id)`.execute(
    db,
  );

  await sql`
    create table conversations (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      number bigint not null,
      subject text not null default '',
      status text not null default 'new'
        check (status in ('new', 'open', 'pending', 'on_hold', 'resolved', 'closed')),
      priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
      channel text not null,
      language text,
      category text,
      tags text[] not null default '{}',
      custom_fields jsonb not null default '{}',
      contact_id uuid not null,
      team_id uuid,
      assignee_id uuid,
      follow_up_of_id uuid,
      merged_into_id uuid,
      last_seq integer not null default 0,
      message_count integer not null default 0,
      preview text not null default '',
      first_customer_message_at timestamptz,
      last_customer_message_at timestamptz,
      first_response_at timestamptz,
      last_agent_message_at timestamptz,
      last_activity_at timestamptz not null default now(),
      resolved_at timestamptz,
      closed_at timestamptz,
      reopened_count integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, number),
      foreign key (workspace_id, contact_id) references contacts (workspace_id, id)
    )`.execute(db);
  await sql`create index conversations_status_idx on conversations (workspace_id, status, last_activity_at desc)`.execute(
    db,
  );
  await sql`create index conversations_assignee_idx on conversations (workspace_id, assignee_id, status, last_activity_at desc)`.execute(
    db,
  );
  await sql`create index conversations_contact_idx on conversations (workspace_id, contact_id, created_at desc)`.execute(
    db,
  );

  await sql`
    create table messages (
      workspace_id uuid not null,
      id uuid not null,
      conversation_id uuid not null,
      seq integer not null,
      kind text not null check (kind in ('inbound', 'outbound', 'note')),
      author_type text not null check (author_type in ('contact', 'user', 'bot', 'system')),
      author_id uuid,
      channel text not null,
      text text not null default '',
      html text,
      external_id text,
      metadata jsonb not null default '{}',
      delivery_status text check (delivery_status in ('queued', 'sent', 'delivered', 'read', 'failed')),
      attachments jsonb not null default '[]',
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, conversation_id, seq),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create unique index messages_external_idx on messages (workspace_id, channel, external_id)
     where external_id is not null`.execute(db);

  await sql`
    create table conversation_thread_keys (
      workspace_id uuid not null,
      channel text not null,
      key text not null,
      conversation_id uuid not null,
      primary key (workspace_id, channel, key),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table conversation_events (
      workspace_id uuid not null,
      id bigserial not null,
      conversation_id uuid not null,
      type text not null,
      actor_type text not null check (actor_type in ('contact', 'user', 'bot', 'system')),
      actor_id uuid,
      data jsonb not null default '{}',
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, conversation_id) references conversations (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index conversation_events_conversation_idx on conversation_events (workspace_id, conversation_id, id)`.execute(
    db,
  );

  // Ticket numbers: one sequence per workspace, so creating tickets never queues on a
  // counter row. A rolled-back create may leave a gap in the numbers.
  await sql`
    create function parley_next_ticket_number(ws uuid) returns bigint language plpgsql as $$
    declare
      seq text := 'ticket_number_' || replace(ws::text, '-', '');
    begin
      if to_regclass(seq) is null then
        execute format('create sequence if not exists %I start 1001', seq);
      end if;
      return nextval(seq::regclass);
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists parley_next_ticket_number(uuid)`.execute(db);
  for (const table of [
    'conversation_events',
    'conversation_thread_keys',
    'messages',
    'conversations',
    'contact_identities',
    'contacts',
    'organizations',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
