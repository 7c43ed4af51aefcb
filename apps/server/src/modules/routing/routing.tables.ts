import type { RoutingActions, RoutingConditions } from '@parley/contract';
import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface RoutingRulesTable {
  workspaceId: string;
  id: string;
  name: string;
  position: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  conditions: Json<RoutingConditions>;
  actions: Json<RoutingActions>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface RoutingTables {
  routingRules: RoutingRulesTable;
}
