import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface MailboxesTable {
  workspaceId: string;
  id: string;
  name: string;
  address: string;
  displayName: string | null;
  teamId: string | null;
  signature: string | null;
  language: string | null;
  /** JSON of the SMTP transport, sealed with the workspace key (platform/crypto.ts). */
  transportSealed: string | null;
  webhookSecretSealed: string | null;
  /** JSON of the IMAP settings (ImapSettings), sealed with the workspace key. */
  imapSealed: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON of the DKIM signing settings (domain, selector, private key), sealed like the transport. */
  dkimSealed: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface MailboxAddressesTable {
  address: string;
  workspaceId: string;
  mailboxId: string;
}

export type InboundEmailStatus = 'received' | 'processed' | 'duplicate' | 'ignored' | 'failed';

export interface InboundEmailsTable {
  workspaceId: string;
  id: string;
  mailboxId: string;
  source: 'smtp' | 'imap' | 'webhook';
  blobKey: string;
  size: number;
  envelopeFrom: string | null;
  envelopeTo: ColumnType<string[], string[] | undefined, string[]>;
  messageId: string | null;
  /** Where it came from in its source (IMAP: `imap:<folder>:<uidvalidity>:<uid>`); unique per mailbox. */
  sourceRef: ColumnType<string | null, string | null | undefined, string | null>;
  remoteAddress: string | null;
  status: ColumnType<InboundEmailStatus, InboundEmailStatus | undefined, InboundEmailStatus>;
  error: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  conversationId: string | null;
  messageRef: string | null;
  receivedAt: CreatedAt;
  processedAt: Date | null;
}

/** How far a mailbox's IMAP folder has been read. */
export interface ImapStateTable {
  workspaceId: string;
  mailboxId: string;
  folder: string;
  /** null until the first poll opened the folder. */
  uidvalidity: number | null;
  /** The highest UID filed (and flagged or moved) under `uidvalidity`. */
  lastUid: ColumnType<number, number | undefined, number>;
  lastPolledAt: Date | null;
  lastError: string | null;
  updatedAt: UpdatedAt;
}

export interface EmailTables {
  mailboxes: MailboxesTable;
  mailboxAddresses: MailboxAddressesTable;
  inboundEmails: InboundEmailsTable;
  imapState: ImapStateTable;
}
