import type { ConversationFilters, ConversationSort } from '@parley/contract';
import type { ColumnType } from 'kysely';

export interface SavedViewsTable {
  workspaceId: string;
  id: string;
  name: string;
  ownerId: string;
  /** team: shared with the members of `teamId`. */
  visibility: 'private' | 'team' | 'workspace';
  teamId: string | null;
  filters: ColumnType<ConversationFilters, string, string>;
  sort: ConversationSort | null;
  position: ColumnType<number, number | undefined, number>;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface ViewTables {
  savedViews: SavedViewsTable;
}
