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

/** A user's TOTP secret: pending until confirmed with a code (`enabledAt` null). */
export interface UserTwoFactorTable {
  workspaceId: string;
  userId: string;
  /** The base32 secret, sealed with the workspace key (platform/crypto.ts). */
  secretSealed: string;
  enabledAt: Date | null;
  /** The last 30-second step a code was accepted for: a code works once (no replay). */
  lastUsedStep: ColumnType<number | null, number | null | undefined, number | null>;
  createdAt: ColumnType<Date, Date | undefined, never>;
}

/** A single-use recovery code: only its HMAC is kept. */
export interface TwoFactorRecoveryCodesTable {
  workspaceId: string;
  userId: string;
  codeHash: string;
  usedAt: Date | null;
  createdAt: ColumnType<Date, Date | undefined, never>;
}

/** The step between a right password and a session for a user with 2FA on. */
export interface TwoFactorChallengesTable {
  workspaceId: string;
  id: string;
  userId: string;
  tokenHash: Buffer;
  attempts: ColumnType<number, number | undefined, number>;
  createdAt: ColumnType<Date, Date | undefined, never>;
  expiresAt: Date;
  consumedAt: Date | null;
}

export interface AuthTables {
  passwordResets: PasswordResetsTable;
  userTwoFactor: UserTwoFactorTable;
  twoFactorRecoveryCodes: TwoFactorRecoveryCodesTable;
  twoFactorChallenges: TwoFactorChallengesTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
}
