import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface OrganizationsTable {
  workspaceId: string;
  id: string;
  name: string;
  domains: Generated<string[]>;
  attributes: Json<Record<string, unknown>>;
  notes: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** One row per domain of an organization, kept by a trigger from `organizations.domains`. */
export interface OrganizationDomainsTable {
  workspaceId: string;
  domain: string;
  organizationId: string;
}

export interface ContactsTable {
  workspaceId: string;
  id: string;
  name: string | null;
  /** The name as search indexes it, when that differs (see search/text.ts). */
  searchText: ColumnType<string | null, string | null | undefined, string | null>;
  organizationId: string | null;
  language: string | null;
  attributes: Json<Record<string, unknown>>;
  notes: string | null;
  mergedIntoId: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export type IdentityKind = 'email' | 'phone' | 'whatsapp' | 'telegram' | 'chat';

export interface ContactIdentitiesTable {
  workspaceId: string;
  kind: IdentityKind;
  value: string;
  contactId: string;
  createdAt: CreatedAt;
  /** Set when mail to this address bounced permanently (replies fail at once). */
  undeliverableAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  undeliverableReason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ContactTables {
  organizations: OrganizationsTable;
  organizationDomains: OrganizationDomainsTable;
  contacts: ContactsTable;
  contactIdentities: ContactIdentitiesTable;
}
