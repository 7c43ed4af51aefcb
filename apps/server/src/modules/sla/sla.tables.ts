import type {
  HolidaySource,
  SlaConditions,
  SlaEscalation,
  SlaTargetName,
  SlaTargets,
  WeeklyHours,
} from '@parley/contract';
import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface SlaCalendarsTable {
  workspaceId: string;
  id: string;
  name: string;
  timeZone: string;
  alwaysOpen: ColumnType<boolean, boolean | undefined, boolean>;
  weeklyHours: Json<WeeklyHours>;
  holidays: ColumnType<HolidaySource | null, string | null | undefined, string | null>;
  closedDates: ColumnType<string[], string[] | undefined, string[]>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface SlaPoliciesTable {
  workspaceId: string;
  id: string;
  name: string;
  description: string | null;
  position: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  calendarId: string | null;
  conditions: Json<SlaConditions>;
  targets: Json<SlaTargets>;
  pauseOnHold: ColumnType<boolean, boolean | undefined, boolean>;
  warnAtPercent: ColumnType<number[], number[] | undefined, number[]>;
  escalations: Json<SlaEscalation[]>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** A stretch of time the conversation spent in a status that stops clocks (ISO instants). */
export interface StoredPause {
  status: string;
  from: string;
  to: string | null;
}

/** One target's clock as last computed (ISO instants). */
export interface StoredClock {
  target: SlaTargetName;
  seconds: number;
  businessHours: boolean;
  startedAt: string | null;
  dueAt: string | null;
  metAt: string | null;
  breachedAt: string | null;
  paused: boolean;
  elapsedMs: number;
}

export interface ConversationSlasTable {
  workspaceId: string;
  conversationId: string;
  policyId: string | null;
  /** The calendar the business-hours targets were counted in (null: around the clock). */
  calendarId: string | null;
  /** Why the policy applies: the conditions that held. */
  reason: Json<string[]>;
  pauses: Json<StoredPause[]>;
  targets: Json<StoredClock[]>;
  /** Warnings and breaches already announced (`<target>:<cycle start>:<75|breach>`): never twice. */
  fired: ColumnType<string[], string[] | undefined, string[]>;
  evaluatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface SlaTeamAlertsTable {
  workspaceId: string;
  teamId: string;
  kind: string;
  firedAt: Date;
  data: Json<Record<string, unknown>>;
}

export interface SlaTables {
  slaTeamAlerts: SlaTeamAlertsTable;
  slaCalendars: SlaCalendarsTable;
  slaPolicies: SlaPoliciesTable;
  conversationSlas: ConversationSlasTable;
}
