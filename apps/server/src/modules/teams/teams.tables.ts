import type {
  AssignmentStrategy,
  ChannelLimits,
  HandBack,
  PriorityWeights,
  TeamKind,
  TeamOverflow,
} from '@parley/contract';
import type { ColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string | undefined, string>;

/** What a team stores of its settings; missing keys take the defaults (teams.service.ts). */
export interface StoredTeamSettings {
  handBack?: HandBack;
  handBackOnOffline?: boolean;
  overflow?: TeamOverflow | null;
  escalationTeamId?: string | null;
  isDefault?: boolean;
  requireLanguageSkill?: boolean;
  slaGoal?: number;
}

export interface StoredTeamCapacity {
  limits?: ChannelLimits;
  priorityWeights?: PriorityWeights | null;
}

export interface TeamsTable {
  workspaceId: string;
  id: string;
  name: string;
  kind: TeamKind;
  description: string | null;
  assignmentStrategy: ColumnType<
    AssignmentStrategy,
    AssignmentStrategy | undefined,
    AssignmentStrategy
  >;
  settings: Json<StoredTeamSettings>;
  capacity: Json<StoredTeamCapacity>;
  /** The business-hours calendar SLA policies without their own use (sla_calendars). */
  calendarId: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface TeamMembersTable {
  workspaceId: string;
  teamId: string;
  userId: string;
  lead: ColumnType<boolean, boolean | undefined, boolean>;
  /** When routing last assigned them a conversation of this team (round-robin's order). */
  lastAssignedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  createdAt: CreatedAt;
}

export interface SkillsTable {
  workspaceId: string;
  id: string;
  type: string;
  value: string;
  label: string | null;
  createdAt: CreatedAt;
}

export interface AgentSkillsTable {
  workspaceId: string;
  userId: string;
  skillId: string;
  level: number;
}

export interface TeamTables {
  teams: TeamsTable;
  teamMembers: TeamMembersTable;
  skills: SkillsTable;
  agentSkills: AgentSkillsTable;
}
