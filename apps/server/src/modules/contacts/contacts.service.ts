import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../database.js';
import { prepared } from '../../platform/db.js';
import { emailDomain } from './domains.js';
import type { Identity } from './identities.js';
import { searchTextFor } from '../search/text.js';
import { contactSummarySql } from '../conversations/contact-summary.js';

export interface ContactLookup {
  workspaceId: string;
  identity: Identity;
  name?: string | null;
  language?: string | null;
}

/**
 * The find-or-create as common table expressions, for one statement: `found` (the
 * surviving contact owning the identity, key-share locked), `new_contact` and
 * `new_identity` (written only when none was found; `new_identity` is empty when another
 * transaction created the same identity meanwhile), and `contact`: the contact's id with
 * its name, first email and first phone, whichever way it came.
 */
export function contactCtes(props: ContactLookup, newId: string) {
  const { workspaceId, identity } = props;
  const domain = identity.kind === 'email' ? emailDomain(identity.value) : null;
  const summary = contactSummarySql(workspaceId, sql<string>`f.id`);
  return sql`
    found as (
      select coalesce(c.merged_into_id, c.id) as id
        from contact_identities i
        join contacts c on c.workspace_id = i.workspace_id and c.id = i.contact_id
       where i.workspace_id = ${workspaceId} and i.kind = ${identity.kind} and i.value = ${identity.value}
         for key share of c
    ), new_contact as (
      insert into contacts (workspace_id, id, name, search_text, language, organization_id)
      select ${workspaceId}, ${newId}, ${props.name ?? null},
             ${props.name ? searchTextFor(props.name) : null}, ${props.language ?? null},
             (select organization_id from organization_domains
               where workspace_id = ${workspaceId} and domain = ${domain})
       where not exists (select 1 from found)
      returning id
    ), new_identity as (
      insert into contact_identities (workspace_id, kind, value, contact_id)
      select ${workspaceId}, ${identity.kind}, ${identity.value}, id from new_contact
      on conflict do nothing
      returning contact_id
    ), contact as (
      select f.id, ${summary.name} as name, ${summary.email} as email, ${summary.phone} as phone
        from found f
      union all
      -- A contact written by this statement is not visible to its subqueries: its one
      -- identity and name are the summary.
      select n.contact_id, ${props.name ?? null}::text,
             ${identity.kind === 'email' ? identity.value : null}::text,
             ${identity.kind === 'phone' || identity.kind === 'whatsapp' ? identity.value : null}::text
        from new_identity n
    )`;
}

/**
 * The contact who owns `identity`, created (with the identity) when there is none, in one
 * round trip. Follows merges to the surviving contact. Safe under concurrency: two
 * messages from a new sender at once end with one contact.
 *
 * A new contact with an email whose domain an organization lists joins that organization
 * (a primary-key lookup inside the same statement). The found contact is key-share locked
 * until the caller commits, so a contact merge waits for this transaction (and its new
 * conversation) to finish, or this one sees the merge and uses the surviving contact:
 * nothing is left behind on a merged contact.
 */
export async function findOrCreateContact(
  trx: Tx,
  props: ContactLookup,
): Promise<{ id: string; created: boolean }> {
  const { workspaceId, identity } = props;
  const newId = uuidv7();
  const { rows } = await prepared(sql<{ foundId: string | null; createdId: string | null }>`
    with ${contactCtes(props, newId)}
    select (select id from found) as found_id, (select contact_id from new_identity) as created_id`).execute(
    trx,
  );
  const row = rows[0];
  if (row?.foundId) return { id: row.foundId, created: false };
  if (row?.createdId) return { id: row.createdId, created: true };
  // Another transaction created this identity meanwhile: use theirs, drop ours.
  await trx
    .deleteFrom('contacts')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', newId)
    .execute();
  const winner = await trx
    .selectFrom('contactIdentities')
    .innerJoin('contacts', (join) =>
      join
        .onRef('contacts.workspaceId', '=', 'contactIdentities.workspaceId')
        .onRef('contacts.id', '=', 'contactIdentities.contactId'),
    )
    .select(['contacts.id', 'contacts.mergedIntoId'])
    .where('contactIdentities.workspaceId', '=', workspaceId)
    .where('contactIdentities.kind', '=', identity.kind)
    .where('contactIdentities.value', '=', identity.value)
    .executeTakeFirst();
  if (!winner) throw new Error('identity vanished during find-or-create');
  return { id: winner.mergedIntoId ?? winner.id, created: false };
}
