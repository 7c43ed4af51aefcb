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

export interface AuthTables {
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
}
