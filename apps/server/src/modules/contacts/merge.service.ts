import type { ContactDetail } from '@parley/contract';
import type { Db, Tx } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { searchTextFor } from '../search/text.js';
import { syncContactSummary } from '../conversations/contact-summary.js';
import { moveConversationsToContact } from '../conversations/contact-moves.service.js';
import { contactColumns, getContact } from './contacts.api.js';

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/** The target's attributes, with each one it lacks (or has empty) taken from the source. */
function mergeAttributes(target: Record<string, unknown>, source: Record<string, unknown>) {
  const merged = { ...target };
  for (const [key, value] of Object.entries(source)) if (isEmpty(merged[key])) merged[key] = value;
  return merged;
}

function mergeNotes(target: string | null, source: string | null): string | null {
  if (source === null || source === '') return target;
  if (target === null || target === '') return source;
  return `${target}\n\n${source}`;
}

/**
 * Merges contact `sourceId` into `targetId`, one transaction, nothing lost: identities and
 * conversations move to the target; the target's empty name, language, organization and
 * attributes are filled from the source, notes are joined. The source remains, hidden from
 * lists, with `mergedIntoId` (contacts merged into it earlier now point to the target too).
 */
export async function mergeContacts(props: {
  db: Db;
  actor: Actor;
  sourceId: string;
  targetId: string;
}): Promise<ContactDetail> {
  const { actor, sourceId, targetId } = props;
  if (!roleAtLeast(actor.role, 'agent')) throw forbidden('Collaborators cannot merge contacts');
  await props.db
    .transaction()
    .execute((trx) => mergeContactsWithin(trx, { actor, sourceId, targetId }));
  return getContact({ db: props.db, actor, contactId: targetId });
}

/** The merge itself, in the caller's transaction (which then holds both contacts locked). */
export async function mergeContactsWithin(
  trx: Tx,
  props: { actor: Actor; sourceId: string; targetId: string },
): Promise<void> {
  const { actor, sourceId, targetId } = props;
  const workspaceId = actor.workspaceId;
  // Both rows locked in one order, so two opposite merges cannot deadlock.
  const rows = await trx
    .selectFrom('contacts')
    .select(contactColumns)
    .where('workspaceId', '=', workspaceId)
    .where('id', 'in', [sourceId, targetId])
    .orderBy('id')
    .forUpdate()
    .execute();
  const source = rows.find((r) => r.id === sourceId);
  const target = rows.find((r) => r.id === targetId);
  if (!source || !target) throw notFound('The contact', 'contact_not_found');
  if (sourceId === targetId)
    throw new AppError('conflict', 'A contact cannot be merged into itself');
  if (source.mergedIntoId)
    throw new AppError('conflict', 'This contact was already merged', {
      details: { mergedIntoId: source.mergedIntoId },
    });
  if (target.mergedIntoId)
    throw new AppError('conflict', 'Merge into the contact it was merged into instead', {
      details: { mergedIntoId: target.mergedIntoId },
    });

  const identities = await trx
    .updateTable('contactIdentities')
    .set({ contactId: targetId })
    .where('workspaceId', '=', workspaceId)
    .where('contactId', '=', sourceId)
    .returning(['kind', 'value'])
    .execute();
  const conversations = await moveConversationsToContact(trx, {
    actor,
    fromId: sourceId,
    toId: targetId,
    reason: 'contact_merged',
  });
  const name = target.name ?? source.name;
  await trx
    .updateTable('contacts')
    .set({
      name,
      searchText: name ? searchTextFor(name) : null,
      language: target.language ?? source.language,
      organizationId: target.organizationId ?? source.organizationId,
      notes: mergeNotes(target.notes, source.notes),
      attributes: JSON.stringify(mergeAttributes(target.attributes, source.attributes)),
      updatedAt: new Date(),
    })
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', targetId)
    .execute();
  await trx
    .updateTable('contacts')
    .set({ mergedIntoId: targetId, updatedAt: new Date() })
    .where('workspaceId', '=', workspaceId)
    .where((eb) => eb.or([eb('id', '=', sourceId), eb('mergedIntoId', '=', sourceId)]))
    .execute();
  // Every conversation of the survivor, old and moved, shows its name, email and phone.
  await syncContactSummary(trx, workspaceId, targetId);
  await recordEvent(trx, {
    workspaceId,
    aggregateType: 'contact',
    aggregateId: targetId,
    type: 'contact.merged',
    data: {
      sourceId,
      targetId,
      identities,
      conversations: conversations.length,
      actorId: actor.userId,
    },
    broadcast: true,
  });
}
