import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../database.js';

/**
 * The contact's name, first email and first phone, as SQL expressions: conversations carry
 * a copy (contact_name, contact_email, contact_phone) so an inbox page reads one table.
 * "First" is the oldest identity of the kind, the same rule everywhere.
 */
export function contactSummarySql(workspaceId: string, contactId: string | RawBuilder<string>) {
  const first = (kinds: string[]) => sql<string | null>`(
    select i.value from contact_identities i
     where i.workspace_id = ${workspaceId} and i.contact_id = ${contactId}
       and i.kind in (${sql.join(kinds)})
     order by i.created_at, i.value limit 1)`;
  return {
    name: sql<
      string | null
    >`(select p.name from contacts p where p.workspace_id = ${workspaceId} and p.id = ${contactId})`,
    email: first(['email']),
    phone: first(['phone', 'whatsapp']),
  };
}

/**
 * Refreshes the copy on every conversation of `contactId`, after its name or identities
 * changed or conversations moved to it. Call inside the transaction that made the change.
 */
export async function syncContactSummary(
  trx: Tx,
  workspaceId: string,
  contactId: string,
): Promise<void> {
  const summary = contactSummarySql(workspaceId, contactId);
  await sql`
    update conversations set
      contact_name = ${summary.name}, contact_email = ${summary.email}, contact_phone = ${summary.phone}
     where workspace_id = ${workspaceId} and contact_id = ${contactId}`.execute(trx);
}
