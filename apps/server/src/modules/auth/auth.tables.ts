import type { ColumnType } from 'kysely';

export interface SessionsTable {
  workspaceId: string;
  tokenHash: Buffer;
  userId: string;
  csrfToken: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: ColumnType<Date, Date | undefined, never>;
  lastSeenAt: ColumnType<Date, Date | undefined, Date>;
  expiresAt: Date;
}

export interface ApiTokensTable {
  workspaceId: string;
  id: string;
  userId: string;
  name: string;
  tokenHash: Buffer;
  prefix: string;
  scopes: string[];
  createdAt: ColumnType<Date, Date | undefined, never>;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A password reset link: only sha256 of its secret is kept; it works once, until expiry. */
export interface PasswordResetsTable {
  workspaceId: string;
  id: string;
  userId: string;
  /** The request that made it (a retried mail job finds the same row and link). */
  requestId: string;
  tokenHash: Buffer;
  createdAt: ColumnType<Date, Date | undefined, never>;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface AuthTables {
  passwordResets: PasswordResetsTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
}
