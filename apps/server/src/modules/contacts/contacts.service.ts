import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../database.js';
import type { Identity } from './identities.js';

/**
 * The contact who owns `identity`, created (with the identity) when there is none.
 * Follows merges to the surviving contact. Safe under concurrency: two messages from a new
 * sender at once end with one contact.
 */
export async function findOrCreateContact(
  trx: Tx,
  props: {
    workspaceId: string;
    identity: Identity;
    name?: string | null;
    language?: string | null;
  },
): Promise<{ id: string; created: boolean }> {
  const existing = await contactByIdentity(trx, props.workspaceId, props.identity);
  if (existing) return { id: existing, created: false };
  const id = uuidv7();
  await trx
    .insertInto('contacts')
    .values({
      workspaceId: props.workspaceId,
      id,
      name: props.name ?? null,
      language: props.language ?? null,
      organizationId: null,
      notes: null,
      mergedIntoId: null,
    })
    .execute();
  const inserted = await trx
    .insertInto('contactIdentities')
    .values({
      workspaceId: props.workspaceId,
      kind: props.identity.kind,
      value: props.identity.value,
      contactId: id,
    })
    .onConflict((oc) => oc.columns(['workspaceId', 'kind', 'value']).doNothing())
    .returning('contactId')
    .executeTakeFirst();
  if (inserted) return { id, created: true };
  // Someone else created this identity meanwhile: use theirs, drop ours.
  await trx
    .deleteFrom('contacts')
    .where('workspaceId', '=', props.workspaceId)
    .where('id', '=', id)
    .execute();
  const winner = await contactByIdentity(trx, props.workspaceId, props.identity);
  if (!winner) throw new Error('identity vanished during find-or-create');
  return { id: winner, created: false };
}

async function contactByIdentity(
  trx: Tx,
  workspaceId: string,
  identity: Identity,
): Promise<string | null> {
  const row = await trx
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
  return row ? (row.mergedIntoId ?? row.id) : null;
}
