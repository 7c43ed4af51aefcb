import type { PrechatField } from '@parley/contract';
import type { ColumnType } from 'kysely';

type Json<T> = ColumnType<T, string | undefined, string>;

export interface WidgetSettingsTable {
  workspaceId: string;
  publicKey: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  title: ColumnType<string, string | undefined, string>;
  color: ColumnType<string, string | undefined, string>;
  greeting: Json<Record<string, string>>;
  prechat: Json<{ enabled: boolean; fields: PrechatField[]; required: PrechatField[] }>;
  teamId: string | null;
  /** The identity-verification secret, sealed with the workspace key; null: not set up. */
  identitySecretSealed: string | null;
  createdAt: ColumnType<Date, Date | undefined, never>;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface WidgetTables {
  widgetSettings: WidgetSettingsTable;
}
