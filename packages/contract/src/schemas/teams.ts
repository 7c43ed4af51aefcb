import { Type, type Static } from '@sinclair/typebox';
import { Role } from './auth.js';
import { Id, Timestamp } from './common.js';

export const TeamKind = Type.Union(
  [
    Type.Literal('support'),
    Type.Literal('tier'),
    Type.Literal('region'),
    Type.Literal('product'),
    Type.Literal('sales'),
    Type.Literal('finance'),
    Type.Literal('legal'),
    Type.Literal('other'),
  ],
  {
    description:
      'What the team is: a support team, a support tier, a region, product specialists, or a non-support team (sales, finance, legal, other)',
  },
);
export type TeamKind = Static<typeof TeamKind>;

export const AssignmentStrategy = Type.Union(
  [
    Type.Literal('round_robin'),
    Type.Literal('least_loaded'),
    Type.Literal('skills_best_match'),
    Type.Literal('sticky'),
    Type.Literal('manual'),
  ],
  { description: 'How the routing engine picks an agent of this team (manual: it does not)' },
);
export type AssignmentStrategy = Static<typeof AssignmentStrategy>;

export const HandBack = Type.Union([Type.Literal('queue'), Type.Literal('delegate')], {
  description:
    "Where an absent agent's unresolved conversations of this team go: the team queue (unassigned), or the absence's delegate (the queue when there is none or they are absent too)",
});
export type HandBack = Static<typeof HandBack>;

export const TeamOverflow = Type.Object(
  {
    afterSeconds: Type.Integer({
      minimum: 60,
      maximum: 30 * 86_400,
      description: 'How long a conversation may wait in this team queue before it overflows',
    }),
    teamId: Type.String({ ...Id, description: 'The backup team it overflows to' }),
  },
  {
    additionalProperties: false,
    description:
      'A conversation still unassigned this long after it entered the queue moves to the backup team',
  },
);
export type TeamOverflow = Static<typeof TeamOverflow>;

const EscalationTeamId = Type.Union([Id, Type.Null()], {
  description:
    "The next tier: where `POST /conversations/{id}/escalate` sends this team's conversations when no team is named",
});

const RequireLanguageSkill = Type.Boolean({
  description:
    "true: a new conversation routed to this team also requires the workspace's `language` skill of the language its text is in (when the skill exists)",
});

const IsDefault = Type.Boolean({
  description:
    'The default team: new conversations no routing rule matches go here (one per workspace; marking one unmarks the others)',
});

const SlaGoal = Type.Number({
  minimum: 0,
  maximum: 1,
  description:
    'The share of conversations the team aims to answer within their first-response target (0.8 by default); the lead is alerted when the expected attainment falls below it',
});

export const TeamSettingsBody = Type.Object(
  {
    handBack: Type.Optional(HandBack),
    handBackOnOffline: Type.Optional(
      Type.Boolean({
        description:
          "true: an agent who goes offline hands this team's conversations back to the queue too",
      }),
    ),
    overflow: Type.Optional(Type.Union([TeamOverflow, Type.Null()])),
    escalationTeamId: Type.Optional(EscalationTeamId),
    isDefault: Type.Optional(IsDefault),
    requireLanguageSkill: Type.Optional(RequireLanguageSkill),
    slaGoal: Type.Optional(SlaGoal),
  },
  { additionalProperties: false },
);
export type TeamSettingsBody = Static<typeof TeamSettingsBody>;

export const TeamSettings = Type.Object(
  {
    handBack: HandBack,
    handBackOnOffline: Type.Boolean(),
    overflow: Type.Union([TeamOverflow, Type.Null()]),
    escalationTeamId: EscalationTeamId,
    isDefault: IsDefault,
    requireLanguageSkill: RequireLanguageSkill,
    slaGoal: SlaGoal,
  },
  { additionalProperties: false },
);
export type TeamSettings = Static<typeof TeamSettings>;

export const channelNames = [
  'email',
  'chat',
  'sms',
  'whatsapp',
  'telegram',
  'webform',
  'phone',
  'api',
] as const;

const Limit = Type.Integer({ minimum: 0, maximum: 10_000 });

/** Most conversations of a channel an agent holds at once (new or open, assigned to them). */
export const ChannelLimits = Type.Object(
  Object.fromEntries(channelNames.map((c) => [c, Type.Optional(Limit)])),
  {
    additionalProperties: false,
    description:
      'Per channel, the most conversations (status new or open) an agent holds at once, weighted by priority when the team sets weights; a channel left out has no limit',
  },
);
export type ChannelLimits = Partial<Record<(typeof channelNames)[number], number>>;

const Weight = Type.Number({ minimum: 0, maximum: 100 });
export const PriorityWeights = Type.Object(
  { low: Weight, normal: Weight, high: Weight, urgent: Weight },
  {
    additionalProperties: false,
    description: 'How much one conversation of each priority counts towards a limit (default 1)',
  },
);
export type PriorityWeights = Static<typeof PriorityWeights>;

export const TeamCapacity = Type.Object(
  {
    limits: ChannelLimits,
    priorityWeights: Type.Union([PriorityWeights, Type.Null()]),
  },
  { additionalProperties: false, description: "Team defaults; an agent's own limits win" },
);
export type TeamCapacity = { limits: ChannelLimits; priorityWeights: PriorityWeights | null };

export const TeamCapacityBody = Type.Object(
  {
    limits: Type.Optional(ChannelLimits),
    priorityWeights: Type.Optional(Type.Union([PriorityWeights, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TeamCapacityBody = Static<typeof TeamCapacityBody>;

export const TeamMemberInput = Type.Object(
  {
    userId: Id,
    lead: Type.Optional(
      Type.Boolean({ description: 'A lead is a manager the SLA warnings go to', default: false }),
    ),
  },
  { additionalProperties: false },
);
export type TeamMemberInput = Static<typeof TeamMemberInput>;

const TeamName = Type.String({ minLength: 1, maxLength: 100 });
const Description = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
const CalendarId = Type.Union([Id, Type.Null()], {
  description:
    "The team's business-hours calendar (`/calendars`): SLA policies without their own count in it",
});

export const Team = Type.Object(
  {
    id: Id,
    name: Type.String(),
    kind: TeamKind,
    description: Type.Union([Type.String(), Type.Null()]),
    assignmentStrategy: AssignmentStrategy,
    settings: TeamSettings,
    capacity: TeamCapacity,
    calendarId: Type.Union([Id, Type.Null()]),
    memberCount: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Team = Static<typeof Team>;

export const Presence = Type.Union(
  [Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')],
  { description: 'Set by the agent (or a manager) until the realtime connection sets it' },
);
export type Presence = Static<typeof Presence>;

export const TeamMember = Type.Object(
  {
    userId: Id,
    name: Type.String(),
    email: Type.String(),
    role: Role,
    lead: Type.Boolean(),
    presence: Presence,
    availableNow: Type.Boolean({
      description: 'Online, inside their working hours and not absent, right now',
    }),
  },
  { additionalProperties: false },
);
export type TeamMember = Static<typeof TeamMember>;

export const TeamDetail = Type.Object(
  {
    ...Team.properties,
    members: Type.Array(TeamMember),
    leads: Type.Array(Id, { description: 'The members who lead the team' }),
    counts: Type.Object(
      {
        open: Type.Integer({
          description: "The team's unresolved conversations (new, open, pending, on hold)",
        }),
        queued: Type.Integer({
          description: 'Waiting in the team queue: new or open, nobody assigned',
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type TeamDetail = Static<typeof TeamDetail>;

export const TeamCreateBody = Type.Object(
  {
    name: TeamName,
    kind: TeamKind,
    description: Type.Optional(Description),
    assignmentStrategy: Type.Optional(AssignmentStrategy),
    settings: Type.Optional(TeamSettingsBody),
    capacity: Type.Optional(TeamCapacityBody),
    calendarId: Type.Optional(CalendarId),
    members: Type.Optional(Type.Array(TeamMemberInput, { maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type TeamCreateBody = Static<typeof TeamCreateBody>;

export const TeamUpdateBody = Type.Object(
  {
    name: Type.Optional(TeamName),
    kind: Type.Optional(TeamKind),
    description: Type.Optional(Description),
    assignmentStrategy: Type.Optional(AssignmentStrategy),
    settings: Type.Optional(TeamSettingsBody),
    capacity: Type.Optional(TeamCapacityBody),
    calendarId: Type.Optional(CalendarId),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TeamUpdateBody = Static<typeof TeamUpdateBody>;

export const TeamMembersBody = Type.Object(
  { members: Type.Array(TeamMemberInput, { maxItems: 500 }) },
  { additionalProperties: false },
);
export type TeamMembersBody = Static<typeof TeamMembersBody>;

export const TeamMemberParams = Type.Object(
  { id: Id, userId: Id },
  { additionalProperties: false },
);
export type TeamMemberParams = Static<typeof TeamMemberParams>;

// Skills

export const SkillType = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,39}$',
  description:
    'language, product, region, channel, tier, or a type of your own (lower-case letters, digits, _)',
});

export const Skill = Type.Object(
  {
    id: Id,
    type: Type.String(),
    value: Type.String(),
    label: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Skill = Static<typeof Skill>;

export const SkillCreateBody = Type.Object(
  {
    type: SkillType,
    value: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. pl, billing, EMEA' }),
    label: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type SkillCreateBody = Static<typeof SkillCreateBody>;

export const SkillUpdateBody = Type.Object(
  {
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    label: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SkillUpdateBody = Static<typeof SkillUpdateBody>;

export const SkillListQuery = Type.Object(
  { type: Type.Optional(SkillType) },
  { additionalProperties: false },
);
export type SkillListQuery = Static<typeof SkillListQuery>;

export const SkillLevel = Type.Integer({
  minimum: 1,
  maximum: 5,
  description: '1 basic … 5 expert',
});

export const AgentSkill = Type.Object(
  { skillId: Id, type: Type.String(), value: Type.String(), level: SkillLevel },
  { additionalProperties: false },
);
export type AgentSkill = Static<typeof AgentSkill>;

export const AgentSkillsBody = Type.Object(
  {
    skills: Type.Array(
      Type.Object({ skillId: Id, level: SkillLevel }, { additionalProperties: false }),
      { maxItems: 200 },
    ),
  },
  { additionalProperties: false, description: "Replaces the agent's skills" },
);
export type AgentSkillsBody = Static<typeof AgentSkillsBody>;

/** A skill a conversation needs: its id, or its type and value. */
export const RequiredSkill = Type.Union([
  Id,
  Type.Object(
    { type: SkillType, value: Type.String({ minLength: 1, maxLength: 100 }) },
    { additionalProperties: false },
  ),
]);
export type RequiredSkill = Static<typeof RequiredSkill>;
