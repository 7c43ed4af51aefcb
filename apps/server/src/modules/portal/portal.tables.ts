import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
export type PortalIdentityKind = 'email' | 'phone' | 'whatsapp';

/** One request for access to a ticket: a 6-digit code and a magic-link token, stored hashed. */
export interface PortalChallengesTable {
  workspaceId: string;
  id: string;
  conversationId: string;
  contactId: string;
  identityKind: PortalIdentityKind;
  identityValue: string;
  /** sha256 of the magic-link token. */
  tokenHash: Buffer;
  /** HMAC of `<id>:<code>` with a key derived from the installation secret. */
  codeHash: string;
  attempts: Generated<number>;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: CreatedAt;
}

/** A customer's access to one conversation, opened by a challenge. */
export interface PortalSessionsTable {
  workspaceId: string;
  tokenHash: Buffer;
  id: string;
  conversationId: string;
  contactId: string;
  identityKind: PortalIdentityKind;
  identityValue: string;
  challengeId: string;
  csrfToken: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: CreatedAt;
  expiresAt: Date;
}

export interface PortalTables {
  portalChallenges: PortalChallengesTable;
  portalSessions: PortalSessionsTable;
}
