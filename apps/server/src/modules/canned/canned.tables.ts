import type { ColumnType } from 'kysely';

export interface CannedResponsesTable {
  workspaceId: string;
  id: string;
  /** null: shared with the workspace. */
  ownerId: string | null;
  title: string;
  shortcut: string | null;
  language: string | null;
  body: string;
  createdBy: string | null;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface CannedTables {
  cannedResponses: CannedResponsesTable;
}
