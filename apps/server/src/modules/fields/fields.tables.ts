import type { FieldEntity, FieldType } from '@parley/contract';
import type { ColumnType } from 'kysely';

export interface CustomFieldDefinitionsTable {
  workspaceId: string;
  id: string;
  entity: FieldEntity;
  key: string;
  label: string;
  type: FieldType;
  options: ColumnType<string[], string[] | undefined, string[]>;
  description: string | null;
  position: ColumnType<number, number | undefined, number>;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface FieldTables {
  customFieldDefinitions: CustomFieldDefinitionsTable;
}
