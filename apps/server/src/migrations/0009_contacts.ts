import { sql, type Kysely } from 'kysely';

/**
 * Organizations as a managed resource: notes, a name index for prefix lookups, and
 * `organization_domains`, which makes an email domain belong to at most one organization
 * of a workspace. PostgreSQL has no unique index over array elements, so a trigger keeps
 * that table in step with `organizations.domains` (the array stays what the API shows);
 * whoever writes the array, the primary key refuses a domain another organization holds.
 * Also indexes for a contact's organization and for contacts merged into another.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organizations add column notes text`.execute(db);
  await sql`create index organizations_name_idx on organizations (workspace_id, lower(name), id)`.execute(
    db,
  );

  await sql`
    create table organization_domains (
      workspace_id uuid not null,
      domain text not null,
      organization_id uuid not null,
      primary key (workspace_id, domain),
      foreign key (workspace_id, organization_id) references organizations (workspace_id, id)
        on delete cascade
    )`.execute(db);
  await sql`create index organization_domains_organization_idx on organization_domains (workspace_id, organization_id)`.execute(
    db,
  );
  await sql`
    create function parley_sync_organization_domains() returns trigger language plpgsql as $$
    begin
      delete from organization_domains
       where workspace_id = new.workspace_id and organization_id = new.id
         and domain <> all (new.domains);
      insert into organization_domains (workspace_id, domain, organization_id)
      select distinct new.workspace_id, d, new.id
        from unnest(new.domains) as d
       where not exists (
         select 1 from organization_domains o
          where o.workspace_id = new.workspace_id and o.domain = d and o.organization_id = new.id);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger organizations_domains_sync
      after insert or update of domains on organizations
      for each row execute function parley_sync_organization_domains()`.execute(db);
  await sql`
    insert into organization_domains (workspace_id, domain, organization_id)
    select workspace_id, unnest(domains), id from organizations
    on conflict do nothing`.execute(db);

  await sql`
    create index contacts_organization_idx on contacts (workspace_id, organization_id, id)
     where organization_id is not null`.execute(db);
  await sql`
    create index contacts_merged_into_idx on contacts (workspace_id, merged_into_id)
     where merged_into_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists contacts_merged_into_idx`.execute(db);
  await sql`drop index if exists contacts_organization_idx`.execute(db);
  await sql`drop trigger if exists organizations_domains_sync on organizations`.execute(db);
  await sql`drop function if exists parley_sync_organization_domains()`.execute(db);
  await sql`drop table if exists organization_domains`.execute(db);
  await sql`drop index if exists organizations_name_idx`.execute(db);
  await sql`alter table organizations drop column if exists notes`.execute(db);
}
