import type { NotificationType } from '@parley/contract';
import type { ColumnType } from 'kysely';

export interface NotificationsTable {
  workspaceId: string;
  id: string;
  userId: string;
  type: NotificationType;
  conversationId: string | null;
  actorId: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** What caused it (an event id, a job): one notification per person per cause. */
  source: string;
  readAt: Date | null;
  createdAt: ColumnType<Date, Date | undefined, never>;
}

export interface NotificationTables {
  notifications: NotificationsTable;
}
