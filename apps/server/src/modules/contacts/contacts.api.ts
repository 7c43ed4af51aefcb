import { sql } from 'kysely';
import { findFields, validateFieldValues } from '../fields/fields.service.js';
import { searchTextFor } from '../search/text.js';
import { syncContactSummary } from '../conversations/contact-summary.js';
import type { Contact, ContactDetail, ContactListQuery, ContactUpdateBody } from '@parley/contract';
import type { Selectable } from 'kysely';
import type { Db, Tx } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { decodeCursor, isString, toPage } from '../../platform/pagination.js';
import { findConversations } from '../conversations/conversations.service.js';
import type { ContactsTable } from './contacts.tables.js';

export async function identitiesOf(db: Db | Tx, workspaceId: string, contactIds: string[]) {
  if (contactIds.length === 0) return new Map<string, Contact['identities']>();
  const rows = await db
    .selectFrom('contactIdentities')
    .select(['contactId', 'kind', 'value'])
    .where('workspaceId', '=', workspaceId)
    .where('contactId', 'in', contactIds)
    .orderBy('createdAt')
    .execute();
  const byContact = new Map<string, Contact['identities']>();
  for (const row of rows)
    byContact.set(row.contactId, [
      ...(byContact.get(row.contactId) ?? []),
      { kind: row.kind, value: row.value },
    ]);
  return byContact;
}

export const contactColumns = [
  'id',
  'name',
  'language',
  'organizationId',
  'attributes',
  'notes',
  'mergedIntoId',
  'createdAt',
] as const;

type ContactRow = Pick<Selectable<ContactsTable>, (typeof contactColumns)[number]>;

/** Contacts as the API shows them, each with its identities (one query for all of them). */
export async function presentContacts(
  db: Db | Tx,
  workspaceId: string,
  rows: ContactRow[],
): Promise<Contact[]> {
  const identities = await identitiesOf(
    db,
    workspaceId,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    ...row,
    identities: identities.get(row.id) ?? [],
    createdAt: row.createdAt.toISOString(),
  }));
}

/** Customers of the workspace (merged ones excluded), newest first; optionally one organization's. */
export async function findContacts(props: {
  db: Db;
  workspaceId: string;
  query: ContactListQuery;
}) {
  const limit = props.query.limit ?? 50;
  const before = decodeCursor(props.query.cursor, isString);
  let q = props.db
    .selectFrom('contacts')
    .select(contactColumns)
    .where('workspaceId', '=', props.workspaceId)
    .where('mergedIntoId', 'is', null);
  if (props.query.organizationId) q = q.where('organizationId', '=', props.query.organizationId);
  if (before) q = q.where('id', '<', before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = toPage(
    rows,
    limit,
    (row) => row,
    (row) => row.id,
  );
  return {
    data: await presentContacts(props.db, props.workspaceId, page.data),
    nextCursor: page.nextCursor,
  };
}

/**
 * One customer with every identity and their whole history across channels. A merged
 * contact is still shown (old links keep working), empty, with `mergedIntoId` naming the
 * contact that now holds everything.
 */
export async function getContact(props: {
  db: Db;
  actor: Actor;
  contactId: string;
}): Promise<ContactDetail> {
  const row = await props.db
    .selectFrom('contacts')
    .select(contactColumns)
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.contactId)
    .executeTakeFirst();
  if (!row) throw notFound('The contact', 'contact_not_found');
  const [contact] = await presentContacts(props.db, props.actor.workspaceId, [row]);
  const history = await findConversations({
    db: props.db,
    actor: props.actor,
    query: { contactId: row.id, limit: 100 },
  });
  return {
    ...(contact as Contact),
    conversations: history.data,
    conversationsNextCursor: history.nextCursor,
  };
}

/**
 * Locks a live contact of the actor's workspace for a change: 404 when there is none,
 * 409 when it was merged (the change belongs on the contact it was merged into).
 */
export async function lockContact(trx: Tx, workspaceId: string, contactId: string) {
  const row = await trx
    .selectFrom('contacts')
    .select(contactColumns)
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', contactId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('The contact', 'contact_not_found');
  if (row.mergedIntoId)
    throw new AppError(
      'conflict',
      'This contact was merged; change the contact it was merged into',
      {
        details: { mergedIntoId: row.mergedIntoId },
      },
    );
  return row;
}

/** Attributes with a contact field definition typed by it; others pass as they are. */
export async function typedAttributes(
  db: Db,
  workspaceId: string,
  given: ContactUpdateBody['attributes'],
) {
  return given
    ? validateFieldValues(await findFields(db, workspaceId, 'contact'), given, { strict: false })
    : undefined;
}

/** `404 organization_not_found` unless the workspace has this organization. */
export async function assertOrganization(trx: Tx, workspaceId: string, organizationId: string) {
  const organization = await trx
    .selectFrom('organizations')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', organizationId)
    .executeTakeFirst();
  if (!organization) throw notFound('The organization', 'organization_not_found');
}

export async function updateContact(props: {
  db: Db;
  actor: Actor;
  contactId: string;
  changes: ContactUpdateBody;
}) {
  const { actor, changes } = props;
  if (!roleAtLeast(actor.role, 'agent')) throw forbidden('Collaborators cannot change customers');
  const { attributes: given, ...rest } = changes;
  const attributes = await typedAttributes(props.db, actor.workspaceId, given);
  await props.db.transaction().execute(async (trx) => {
    await lockContact(trx, actor.workspaceId, props.contactId);
    if (changes.organizationId)
      await assertOrganization(trx, actor.workspaceId, changes.organizationId);
    await trx
      .updateTable('contacts')
      .set({
        ...rest,
        ...(rest.name !== undefined
          ? { searchText: rest.name ? searchTextFor(rest.name) : null }
          : {}),
        ...(attributes
          ? {
              attributes: sql<string>`jsonb_strip_nulls(attributes || ${JSON.stringify(attributes)}::jsonb)`,
            }
          : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', props.contactId)
      .execute();
    if (rest.name !== undefined) await syncContactSummary(trx, actor.workspaceId, props.contactId);
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'contact',
      aggregateId: props.contactId,
      type: 'contact.updated',
      data: { changes, actorId: actor.userId },
      broadcast: true,
    });
  });
  return getContact({ db: props.db, actor, contactId: props.contactId });
}
