import type { ChannelLimits, Presence, WeeklyHours } from '@parley/contract';
import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string | undefined, string>;

/** What routing knows of an agent; a user without a row is offline, unscheduled, unlimited. */
export interface AgentsTable {
  workspaceId: string;
  userId: string;
  presence: ColumnType<Presence, Presence | undefined, Presence>;
  presenceChangedAt: ColumnType<Date, Date | undefined, Date>;
  /** Both null, or both set: the schedule. */
  timeZone: string | null;
  weeklyHours: ColumnType<WeeklyHours | null, string | null | undefined, string | null>;
  capacity: Json<{ limits?: ChannelLimits }>;
  /** Last time a node had a realtime socket of this agent (see modules/realtime/presence.ts). */
  realtimeSeenAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The workspace day `assignedToday` counts (routing's fairness count; 0 on another day). */
  assignedDay: ColumnType<string | null, string | null | undefined, string | null>;
  assignedToday: ColumnType<number, number | undefined, number>;
  updatedAt: UpdatedAt;
}

/** `weeklyHours` as rows split at local midnight (derived, written with it). */
export interface AgentScheduleIntervalsTable {
  workspaceId: string;
  userId: string;
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
  startMinute: number;
  endMinute: number;
}

export interface AbsencesTable {
  workspaceId: string;
  id: string;
  userId: string;
  startsAt: Date;
  endsAt: Date;
  allDay: ColumnType<boolean, boolean | undefined, boolean>;
  reason: string | null;
  delegateId: string | null;
  handedBackAt: Date | null;
  createdBy: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface AvailabilityTables {
  agents: AgentsTable;
  agentScheduleIntervals: AgentScheduleIntervalsTable;
  absences: AbsencesTable;
}
