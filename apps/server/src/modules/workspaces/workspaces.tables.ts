import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface WorkspacesTable {
  id: string;
  slug: string;
  name: string;
  defaultLocale: Generated<string>;
  timeZone: Generated<string>;
  ticketPrefix: Generated<string>;
  /** A resolved conversation reopens on a customer reply within this many days. */
  reopenWindowDays: Generated<number>;
  acknowledgementsEnabled: Generated<boolean>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface UsersTable {
  workspaceId: string;
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'manager' | 'agent' | 'collaborator';
  status: Generated<'active' | 'deactivated'>;
  passwordHash: string | null;
  locale: Generated<string>;
  timeZone: Generated<string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  passwordChangedAt: Date | null;
  /** What the user wants to be told by email; missing keys mean the defaults (all on). */
  notificationPreferences: ColumnType<unknown, string | undefined, string>;
  /** Added under the user's replies (profile). */
  signature: string | null;
  /** The profile picture in the blob store (sha256 key). */
  avatarKey: string | null;
}

export interface InvitationsTable {
  workspaceId: string;
  id: string;
  email: string;
  role: 'owner' | 'admin' | 'manager' | 'agent' | 'collaborator';
  name: string | null;
  tokenHash: Buffer;
  invitedBy: string | null;
  createdAt: CreatedAt;
  expiresAt: Date;
  acceptedAt: Date | null;
}

export interface AuditLogTable {
  workspaceId: string;
  id: Generated<number>;
  actorUserId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details: ColumnType<unknown, string | undefined, never>;
  ip: string | null;
  createdAt: CreatedAt;
}

export interface WorkspaceTables {
  workspaces: WorkspacesTable;
  users: UsersTable;
  invitations: InvitationsTable;
  auditLog: AuditLogTable;
  acknowledgementTemplates: AcknowledgementTemplatesTable;
}

export interface AcknowledgementTemplatesTable {
  workspaceId: string;
  locale: 'en' | 'pl' | 'sv' | 'fa' | 'zh';
  subject: string;
  body: string;
  updatedBy: string | null;
  updatedAt: UpdatedAt;
}
