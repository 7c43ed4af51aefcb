import { syncContactSummary } from '../conversations/contact-summary.js';
import type {
  Contact,
  ContactCreateBody,
  ContactDetail,
  IdentityCreateBody,
  IdentityParams,
} from '@parley/contract';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import type { Db } from '../../database.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import {
  assertOrganization,
  getContact,
  lockContact,
  presentContacts,
  typedAttributes,
} from './contacts.api.js';
import { findOrCreateContact } from './contacts.service.js';
import { normalizeIdentity, type Identity } from './identities.js';

/**
 * An agent adds a customer by one identity (a phone call, a walk-in, an import): the contact
 * who has it already, as it is (`created: false`), else a new contact with it and the details
 * given, in one transaction (an unknown organization or a badly typed attribute writes
 * nothing). Safe under concurrency like every other find-or-create.
 */
export async function createContact(props: {
  db: Db;
  actor: Actor;
  body: ContactCreateBody;
}): Promise<{ contact: ContactDetail; created: boolean }> {
  const { actor, body } = props;
  if (!roleAtLeast(actor.role, 'agent')) throw forbidden('Collaborators cannot add customers');
  const workspaceId = actor.workspaceId;
  const identity = identityOf(body.identity);
  const attributes = await typedAttributes(props.db, workspaceId, body.attributes);
  const found = await props.db.transaction().execute(async (trx) => {
    if (body.organizationId) await assertOrganization(trx, workspaceId, body.organizationId);
    const contact = await findOrCreateContact(trx, {
      workspaceId,
      identity,
      name: body.name ?? null,
      language: body.language ?? null,
    });
    if (!contact.created) return contact;
    if (body.notes !== undefined || body.organizationId || attributes)
      await trx
        .updateTable('contacts')
        .set({
          ...(body.notes !== undefined ? { notes: body.notes } : {}),
          ...(body.organizationId ? { organizationId: body.organizationId } : {}),
          ...(attributes ? { attributes: JSON.stringify(attributes) } : {}),
        })
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', contact.id)
        .execute();
    await recordEvent(trx, {
      workspaceId,
      aggregateType: 'contact',
      aggregateId: contact.id,
      type: 'contact.created',
      data: { ...identity, actorId: actor.userId },
      broadcast: true,
    });
    return contact;
  });
  return {
    contact: await getContact({ db: props.db, actor, contactId: found.id }),
    created: found.created,
  };
}

/**
 * An agent adds an address to a contact by hand. The value is normalised as inbound
 * messages are (email lower-cased, phone/WhatsApp in E.164, `country` for numbers typed
 * without their +code). Adding one the contact already has changes nothing (`added: false`);
 * one another contact has is `409 identity_taken` naming that contact, so the UI can offer
 * to merge the two.
 */
export async function addIdentity(props: {
  db: Db;
  actor: Actor;
  contactId: string;
  body: IdentityCreateBody;
}): Promise<{ contact: Contact; added: boolean }> {
  const { actor, body } = props;
  if (!roleAtLeast(actor.role, 'agent')) throw forbidden('Collaborators cannot change customers');
  const identity = identityOf(body);
  const workspaceId = actor.workspaceId;
  return props.db.transaction().execute(async (trx) => {
    const contact = await lockContact(trx, workspaceId, props.contactId);
    const inserted = await trx
      .insertInto('contactIdentities')
      .values({ workspaceId, kind: identity.kind, value: identity.value, contactId: contact.id })
      .onConflict((oc) => oc.doNothing())
      .returning('contactId')
      .executeTakeFirst();
    if (!inserted) {
      const owner = await trx
        .selectFrom('contactIdentities')
        .select('contactId')
        .where('workspaceId', '=', workspaceId)
        .where('kind', '=', identity.kind)
        .where('value', '=', identity.value)
        .executeTakeFirstOrThrow();
      if (owner.contactId !== contact.id) throw identityTaken(identity, owner.contactId);
    } else {
      await syncContactSummary(trx, workspaceId, contact.id);
      await recordEvent(trx, {
        workspaceId,
        aggregateType: 'contact',
        aggregateId: contact.id,
        type: 'contact.identity_added',
        data: { ...identity, actorId: actor.userId },
        broadcast: true,
      });
    }
    const [presented] = await presentContacts(trx, workspaceId, [contact]);
    return { contact: presented as Contact, added: inserted !== undefined };
  });
}

/** An identity as given (a phone number maybe with its country), normalised. */
function identityOf(body: IdentityCreateBody): Identity {
  return normalizeIdentity({ kind: body.kind, value: body.value }, countryOf(body));
}

function countryOf(body: IdentityCreateBody): CountryCode | undefined {
  if (body.country === undefined || isSupportedCountry(body.country)) return body.country;
  throw new AppError('validation_failed', `body.country "${body.country}" is not a country code`, {
    details: { issues: [{ path: 'body.country', message: 'is not a country code' }] },
  });
}

function identityTaken(identity: Identity, contactId: string): AppError {
  return new AppError(
    'identity_taken',
    `${identity.kind} ${identity.value} belongs to another contact; merge the two to combine them`,
    { details: { kind: identity.kind, value: identity.value, contactId } },
  );
}

/**
 * Removes an address from a contact. The last one stays (`409 last_identity`): a contact
 * without any identity could never be reached or found again by its channels; to drop a
 * wrong address add the right one first, or merge the contact into another.
 */
export async function removeIdentity(props: {
  db: Db;
  actor: Actor;
  params: IdentityParams;
}): Promise<void> {
  const { actor, params } = props;
  if (!roleAtLeast(actor.role, 'agent')) throw forbidden('Collaborators cannot change customers');
  const workspaceId = actor.workspaceId;
  await props.db.transaction().execute(async (trx) => {
    const contact = await lockContact(trx, workspaceId, params.id);
    const identity = canonicalOrNull({ kind: params.kind, value: params.value });
    const identities = await trx
      .selectFrom('contactIdentities')
      .select(['kind', 'value'])
      .where('workspaceId', '=', workspaceId)
      .where('contactId', '=', contact.id)
      .execute();
    const found = identities.find(
      (i) => identity !== null && i.kind === identity.kind && i.value === identity.value,
    );
    if (!found || !identity) throw notFound('The identity', 'identity_not_found');
    if (identities.length === 1)
      throw new AppError(
        'last_identity',
        'A contact keeps at least one identity; add another first or merge the contact',
      );
    await trx
      .deleteFrom('contactIdentities')
      .where('workspaceId', '=', workspaceId)
      .where('kind', '=', identity.kind)
      .where('value', '=', identity.value)
      .where('contactId', '=', contact.id)
      .execute();
    await syncContactSummary(trx, workspaceId, contact.id);
    await recordEvent(trx, {
      workspaceId,
      aggregateType: 'contact',
      aggregateId: contact.id,
      type: 'contact.identity_removed',
      data: { ...identity, actorId: actor.userId },
      broadcast: true,
    });
  });
}

/** The stored form of an identity named in a URL, or null when no identity can have that value. */
function canonicalOrNull(identity: Identity): Identity | null {
  try {
    return normalizeIdentity(identity);
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
}
