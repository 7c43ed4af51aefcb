import { sql } from 'kysely';
import { findFields, validateFieldValues } from '../fields/fields.service.js';
import { syncContactSummary } from '../conversations/contact-summary.js';
import type { Contact, ContactDetail, ContactListQuery, ContactUpdateBody } from '@parley/contract';
import type { Db } from '../../database.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { decodeCursor, isString, toPage } from '../../platform/pagination.js';
import { findConversations } from '../conversations/conversations.service.js';

async function identitiesOf(db: Db, workspaceId: string, contactIds: string[]) {
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

const columns = ['id', 'name', 'language', 'attributes', 'notes', 'createdAt'] as const;

/** Customers of the workspace (merged ones excluded), newest first. */
export async function findContacts(props: {
  db: Db;
  workspaceId: string;
  query: ContactListQuery;
}) {
  const limit = props.query.limit ?? 50;
  const before = decodeCursor(props.query.cursor, isString);
  let q = props.db
    .selectFrom('contacts')
    .select(columns)
    .where('workspaceId', '=', props.workspaceId)
    .where('mergedIntoId', 'is', null);
  if (before) q = q.where('id', '<', before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const identities = await identitiesOf(
    props.db,
    props.workspaceId,
    rows.map((r) => r.id),
  );
  return toPage(
    rows,
    limit,
    (row): Contact => ({
      ...row,
      identities: identities.get(row.id) ?? [],
      createdAt: row.createdAt.toISOString(),
    }),
    (row) => row.id,
  );
}

/** One customer with every identity and their whole history across channels. */
export async function getContact(props: {
  db: Db;
  actor: Actor;
  contactId: string;
}): Promise<ContactDetail> {
  const row = await props.db
    .selectFrom('contacts')
    .select(columns)
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('id', '=', props.contactId)
    .executeTakeFirst();
  if (!row) throw notFound('The contact');
  const identities = await identitiesOf(props.db, props.actor.workspaceId, [row.id]);
  const history = await findConversations({
    db: props.db,
    actor: props.actor,
    query: { contactId: row.id, limit: 100 },
  });
  return {
    ...row,
    identities: identities.get(row.id) ?? [],
    createdAt: row.createdAt.toISOString(),
    conversations: history.data,
  };
}

export async function updateContact(props: {
  db: Db;
  actor: Actor;
  contactId: string;
  changes: ContactUpdateBody;
}) {
  if (!roleAtLeast(props.actor.role, 'agent'))
    throw forbidden('Collaborators cannot change customers');
  const { workspaceId } = props.actor;
  const { attributes: given, ...rest } = props.changes;
  // Attributes with a contact field definition are typed by it; others pass as they are.
  const attributes = given
    ? validateFieldValues(await findFields(props.db, workspaceId, 'contact'), given, {
        strict: false,
      })
    : undefined;
  await props.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('contacts')
      .set({
        ...rest,
        ...(attributes
          ? {
              attributes: sql<string>`jsonb_strip_nulls(attributes || ${JSON.stringify(attributes)}::jsonb)`,
            }
          : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', props.contactId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound('The contact');
    if (rest.name !== undefined) await syncContactSummary(trx, workspaceId, props.contactId);
  });
  return getContact({ db: props.db, actor: props.actor, contactId: props.contactId });
}
