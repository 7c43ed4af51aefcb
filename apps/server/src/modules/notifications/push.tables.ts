import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface InstallationSecretsTable {
  name: string;
  value: ColumnType<Record<string, string>, string, string>;
  createdAt: CreatedAt;
}

export interface PushSubscriptionsTable {
  workspaceId: string;
  id: string;
  userId: string;
  endpoint: string;
  /** The browser's P-256 public key and auth secret (base64url), for the payload encryption. */
  p256dh: string;
  auth: string;
  userAgent: string | null;
  createdAt: CreatedAt;
  lastSentAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface PushTables {
  installationSecrets: InstallationSecretsTable;
  pushSubscriptions: PushSubscriptionsTable;
}
