import {
  ORGANIZATION_CONTACTS_SHOWN,
  type Organization,
  type OrganizationCreateBody,
  type OrganizationDetail,
  type OrganizationListQuery,
  type OrganizationUpdateBody,
} from '@parley/contract';
import { sql, type Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db, Tx } from '../../database.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../platform/db.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { roleAtLeast, type Actor } from '../../platform/http.js';
import { recordEvent } from '../../platform/outbox.js';
import { nameCursorOf, rowsByName, toPage } from '../../platform/pagination.js';
import { contactColumns, presentContacts } from './contacts.api.js';
import type { OrganizationsTable } from './contacts.tables.js';
import { normalizeDomains } from './domains.js';
import { escapeLike } from '../../platform/like.js';

const columns = ['id', 'name', 'domains', 'attributes', 'notes', 'createdAt', 'updatedAt'] as const;

type OrganizationRow = Pick<Selectable<OrganizationsTable>, (typeof columns)[number]>;

function present(row: OrganizationRow): Organization {
  return {
    ...row,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const likePrefix = (text: string) => `${escapeLike(text)}%`;

/** Organizations by name (case-insensitive), optionally those whose name starts with `q`; keyset-paged. */
export async function findOrganizations(props: {
  db: Db;
  workspaceId: string;
  query: OrganizationListQuery;
}) {
  const limit = props.query.limit ?? 50;
  let q = props.db
    .selectFrom('organizations')
    .select(columns)
    .select(sql<string>`lower(name)`.as('sortName'))
    .where('workspaceId', '=', props.workspaceId);
  if (props.query.q !== undefined)
    q = q.where(sql<boolean>`lower(name) like ${likePrefix(props.query.q.toLowerCase())}`);
  return toPage(
    await rowsByName(q, props.query.cursor, limit),
    limit,
    ({ sortName: _, ...row }) => present(row),
    nameCursorOf,
  );
}

/** One organization with how many contacts it has and the newest of them. */
export async function getOrganization(props: {
  db: Db;
  workspaceId: string;
  organizationId: string;
}): Promise<OrganizationDetail> {
  const { db, workspaceId, organizationId } = props;
  const row = await db
    .selectFrom('organizations')
    .select(columns)
    .select((eb) =>
      eb
        .selectFrom('contacts')
        .select(eb.fn.countAll<string>().as('n'))
        .where('contacts.workspaceId', '=', workspaceId)
        .whereRef('contacts.organizationId', '=', 'organizations.id')
        .where('contacts.mergedIntoId', 'is', null)
        .as('contactCount'),
    )
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', organizationId)
    .executeTakeFirst();
  if (!row) throw notFound('The organization', 'organization_not_found');
  const contacts = await db
    .selectFrom('contacts')
    .select(contactColumns)
    .where('workspaceId', '=', workspaceId)
    .where('organizationId', '=', organizationId)
    .where('mergedIntoId', 'is', null)
    .orderBy('id', 'desc')
    .limit(ORGANIZATION_CONTACTS_SHOWN)
    .execute();
  const { contactCount, ...organization } = row;
  return {
    ...present(organization),
    contactCount: Number(contactCount ?? 0),
    contacts: await presentContacts(db, workspaceId, contacts),
  };
}

/**
 * Runs a write of organization domains; a domain another organization holds (the primary
 * key of organization_domains, kept by trigger) becomes `409 domain_taken` naming it.
 */
async function writingDomains<T>(
  db: Db,
  organization: { workspaceId: string; id: string; domains: string[] | undefined },
  write: (trx: Tx) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction().execute(write);
  } catch (error) {
    const { workspaceId, id, domains } = organization;
    if (pgErrorCode(error) !== UNIQUE_VIOLATION || !domains?.length) throw error;
    const holder = await db
      .selectFrom('organizationDomains')
      .select(['domain', 'organizationId'])
      .where('workspaceId', '=', workspaceId)
      .where('domain', 'in', domains)
      .where('organizationId', '<>', id)
      .orderBy('domain')
      .executeTakeFirst();
    throw new AppError(
      'domain_taken',
      holder
        ? `${holder.domain} belongs to another organization`
        : 'A domain belongs to another organization',
      {
        details: holder ? { domain: holder.domain, organizationId: holder.organizationId } : {},
        cause: error,
      },
    );
  }
}

function assertAgent(actor: Actor) {
  if (!roleAtLeast(actor.role, 'agent'))
    throw forbidden('Collaborators cannot change organizations');
}

export async function createOrganization(props: {
  db: Db;
  actor: Actor;
  body: OrganizationCreateBody;
}): Promise<OrganizationDetail> {
  const { actor, body } = props;
  assertAgent(actor);
  const domains = normalizeDomains(body.domains ?? []);
  const id = uuidv7();
  await writingDomains(props.db, { workspaceId: actor.workspaceId, id, domains }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({
        workspaceId: actor.workspaceId,
        id,
        name: body.name.trim(),
        domains,
        attributes: JSON.stringify(body.attributes ?? {}),
        notes: body.notes ?? null,
      })
      .execute();
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'organization',
      aggregateId: id,
      type: 'organization.created',
      data: { name: body.name, domains, actorId: actor.userId },
    });
  });
  return getOrganization({ db: props.db, workspaceId: actor.workspaceId, organizationId: id });
}

export async function updateOrganization(props: {
  db: Db;
  actor: Actor;
  organizationId: string;
  changes: OrganizationUpdateBody;
}): Promise<OrganizationDetail> {
  const { actor, changes, organizationId } = props;
  assertAgent(actor);
  const domains = changes.domains ? normalizeDomains(changes.domains) : undefined;
  const { attributes, ...rest } = changes;
  const organization = { workspaceId: actor.workspaceId, id: organizationId, domains };
  await writingDomains(props.db, organization, async (trx) => {
    const result = await trx
      .updateTable('organizations')
      .set({
        ...rest,
        ...(rest.name !== undefined ? { name: rest.name.trim() } : {}),
        ...(domains ? { domains } : {}),
        ...(attributes ? { attributes: JSON.stringify(attributes) } : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound('The organization', 'organization_not_found');
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      type: 'organization.updated',
      data: { changes: { ...changes, ...(domains ? { domains } : {}) }, actorId: actor.userId },
    });
  });
  return getOrganization({ db: props.db, workspaceId: actor.workspaceId, organizationId });
}

/** Deletes an organization; its contacts stay, without an organization (the foreign key sets it null). */
export async function deleteOrganization(props: {
  db: Db;
  actor: Actor;
  organizationId: string;
}): Promise<void> {
  const { actor, organizationId } = props;
  if (!roleAtLeast(actor.role, 'manager'))
    throw forbidden('Only a manager or above may delete organizations');
  await props.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('organizations')
      .where('workspaceId', '=', actor.workspaceId)
      .where('id', '=', organizationId)
      .returning(['name', 'domains'])
      .executeTakeFirst();
    if (!deleted) throw notFound('The organization', 'organization_not_found');
    await recordEvent(trx, {
      workspaceId: actor.workspaceId,
      aggregateType: 'organization',
      aggregateId: organizationId,
      type: 'organization.deleted',
      data: { ...deleted, actorId: actor.userId },
    });
  });
}
