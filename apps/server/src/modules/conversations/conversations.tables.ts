import type { Attachment, Channel, ConversationStatus, Priority } from '@parley/contract';
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface ConversationsTable {
  workspaceId: string;
  id: string;
  number: number;
  subject: string;
  searchText: ColumnType<string | null, string | null | undefined, string | null>;
  status: ColumnType<ConversationStatus, ConversationStatus | undefined, ConversationStatus>;
  priority: ColumnType<Priority, Priority | undefined, Priority>;
  channel: Channel;
  language: string | null;
  category: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  customFields: Json<Record<string, unknown>>;
  contactId: string;
  /** Copied from the contact (name, first email, first phone) so the inbox reads one table. */
  contactName: ColumnType<string | null, string | null | undefined, string | null>;
  contactEmail: ColumnType<string | null, string | null | undefined, string | null>;
  contactPhone: ColumnType<string | null, string | null | undefined, string | null>;
  /** 0 urgent … 3 low, generated from priority: the inbox sorts on it. */
  priorityRank: ColumnType<number, never, never>;
  teamId: string | null;
  assigneeId: string | null;
  requiredSkills: ColumnType<string[], string[] | undefined, string[]>;
  followUpOfId: string | null;
  mergedIntoId: string | null;
  lastSeq: Generated<number>;
  messageCount: Generated<number>;
  preview: Generated<string>;
  firstCustomerMessageAt: Date | null;
  lastCustomerMessageAt: Date | null;
  firstResponseAt: Date | null;
  lastAgentMessageAt: Date | null;
  lastActivityAt: Generated<Date>;
  resolvedAt: Date | null;
  closedAt: Date | null;
  reopenedCount: Generated<number>;
  /** Written by the SLA module (sla.service.ts): the policy and the running due times. */
  slaPolicyId: ColumnType<string | null, string | null | undefined, string | null>;
  slaDueAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  slaBreachedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  firstResponseDueAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  nextResponseDueAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  resolutionDueAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export type MessageKind = 'inbound' | 'outbound' | 'note';
export type AuthorType = 'contact' | 'user' | 'bot' | 'system';

export interface MessagesTable {
  workspaceId: string;
  id: string;
  conversationId: string;
  seq: number;
  kind: MessageKind;
  authorType: AuthorType;
  authorId: string | null;
  channel: Channel;
  text: string;
  searchText: ColumnType<string | null, string | null | undefined, string | null>;
  html: string | null;
  externalId: string | null;
  metadata: Json<Record<string, unknown>>;
  deliveryStatus: 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | null;
  attachments: Json<Attachment[]>;
  createdAt: CreatedAt;
}

export interface ConversationThreadKeysTable {
  workspaceId: string;
  channel: string;
  key: string;
  conversationId: string;
}

export interface ConversationEventsTable {
  workspaceId: string;
  id: Generated<number>;
  conversationId: string;
  type: string;
  actorType: AuthorType;
  actorId: string | null;
  data: Json<Record<string, unknown>>;
  createdAt: CreatedAt;
}

export interface ConversationLinksTable {
  workspaceId: string;
  conversationId: string;
  linkedId: string;
  kind: 'related' | 'parent' | 'child';
  createdBy: string | null;
  createdAt: CreatedAt;
}

export interface ConversationTables {
  conversations: ConversationsTable;
  messages: MessagesTable;
  conversationThreadKeys: ConversationThreadKeysTable;
  conversationEvents: ConversationEventsTable;
  conversationLinks: ConversationLinksTable;
}
