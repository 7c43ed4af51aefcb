import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';
import { Channel, Priority } from './conversations.js';
import { ChannelLimits } from './teams.js';

const Words = (description: string, maxLength = 100) =>
  Type.Array(Type.String({ minLength: 1, maxLength }), { minItems: 1, maxItems: 100, description });

const Clock = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$',
  description: 'HH:MM on the wall clock of the workspace time zone',
});

export const RoutingHours = Type.Object(
  {
    from: Clock,
    to: Type.String({
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$',
      description: 'HH:MM, exclusive; at or before `from`: the window runs past midnight',
    }),
    weekdays: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
        minItems: 1,
        maxItems: 7,
        description: 'ISO weekdays (1 Monday … 7 Sunday) the window applies on; all when left out',
      }),
    ),
  },
  { additionalProperties: false, description: 'A time-of-day window in the workspace time zone' },
);
export type RoutingHours = Static<typeof RoutingHours>;

export const RoutingConditions = Type.Object(
  {
    channels: Type.Optional(Type.Array(Channel, { minItems: 1, maxItems: 8 })),
    mailboxIds: Type.Optional(
      Type.Array(Id, { minItems: 1, maxItems: 100, description: 'The mailbox the mail came to' }),
    ),
    languages: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z]{2,3}$' }), {
        minItems: 1,
        maxItems: 100,
        description: 'Base language subtags; `pt` matches a conversation in `pt-BR`',
      }),
    ),
    priorities: Type.Optional(Type.Array(Priority, { minItems: 1, maxItems: 4 })),
    tags: Type.Optional(Words('Any of these tags')),
    keywords: Type.Optional(
      Words(
        'Any of these words or phrases, case-insensitive, in the subject or first message',
        200,
      ),
    ),
    contact: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }),
        Words('Accepted values'),
        {
          description:
            'Contact attributes: every named attribute must have one of the values (case-insensitive)',
        },
      ),
    ),
    organizationIds: Type.Optional(
      Type.Array(Id, {
        minItems: 1,
        maxItems: 100,
        description: "The contact's organization is one of these",
      }),
    ),
    categories: Type.Optional(
      Words("The conversation's category is one of these (case-insensitive)"),
    ),
    customFields: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
        Words('Accepted values (a number or yes/no as text: `42`, `true`)'),
        {
          description:
            "The conversation's custom fields: every named field has one of the values (case-insensitive; a multiselect matches by any of its values)",
        },
      ),
    ),
    hours: Type.Optional(RoutingHours),
  },
  {
    additionalProperties: false,
    description: 'Every condition given must hold; a rule without conditions matches everything',
  },
);
export type RoutingConditions = Static<typeof RoutingConditions>;

export const RoutingActions = Type.Object(
  {
    teamId: Type.Optional(Id),
    requiredSkills: Type.Optional(
      Type.Array(Id, { maxItems: 50, description: 'Skill ids of the workspace' }),
    ),
    priority: Type.Optional(Priority),
    tags: Type.Optional(Words('Tags added to the conversation')),
    escalate: Type.Optional(
      Type.Boolean({
        description:
          "true: sending the conversation to `teamId` is an escalation (a specialist tier): the timeline says so and the team's leads are notified",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RoutingActions = Static<typeof RoutingActions>;

export const RoutingRule = Type.Object(
  {
    id: Id,
    name: Type.String(),
    position: Type.Integer(),
    enabled: Type.Boolean(),
    conditions: RoutingConditions,
    actions: RoutingActions,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type RoutingRule = Static<typeof RoutingRule>;

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Position = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  description: 'Rules are tried in ascending position (then creation order); first match wins',
});

export const RoutingRuleCreateBody = Type.Object(
  {
    name: Name,
    position: Type.Optional(Position),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    conditions: Type.Optional(RoutingConditions),
    actions: RoutingActions,
  },
  { additionalProperties: false },
);
export type RoutingRuleCreateBody = Static<typeof RoutingRuleCreateBody>;

export const RoutingRuleUpdateBody = Type.Object(
  {
    name: Type.Optional(Name),
    position: Type.Optional(Position),
    enabled: Type.Optional(Type.Boolean()),
    conditions: Type.Optional(RoutingConditions),
    actions: Type.Optional(RoutingActions),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type RoutingRuleUpdateBody = Static<typeof RoutingRuleUpdateBody>;

export const EscalateBody = Type.Object(
  {
    teamId: Type.Optional(
      Type.String({
        ...Id,
        description:
          "The specialist team; left out: the next tier the conversation's team names (`settings.escalationTeamId`)",
      }),
    ),
    note: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'Why, for the specialist team' }),
    ),
  },
  { additionalProperties: false },
);
export type EscalateBody = Static<typeof EscalateBody>;

export const QueuesQuery = Type.Object(
  { teamId: Type.Optional(Id) },
  { additionalProperties: false },
);
export type QueuesQuery = Static<typeof QueuesQuery>;

export const TeamQueue = Type.Object(
  {
    teamId: Id,
    name: Type.String(),
    queued: Type.Integer({ description: 'Waiting in the queue: new or open, nobody assigned' }),
    oldestQueuedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When the longest-waiting one entered the queue',
    }),
    oldestWaitSeconds: Type.Union([Type.Integer(), Type.Null()]),
    open: Type.Integer({ description: 'Unresolved (new, open, pending, on hold)' }),
    members: Type.Integer({ description: 'Active members' }),
    available: Type.Integer({ description: 'Members online, in working hours and not absent' }),
    // The team’s default limits per channel (an agent’s own limits win)
    limits: ChannelLimits,
  },
  { additionalProperties: false },
);
export type TeamQueue = Static<typeof TeamQueue>;

export const AgentLoadView = Type.Object(
  {
    userId: Id,
    name: Type.String(),
    presence: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]),
    availableNow: Type.Boolean(),
    teamIds: Type.Array(Id),
    load: Type.Object(
      {
        total: Type.Integer({ description: 'New or open conversations assigned to them' }),
        byChannel: Type.Record(Type.String(), Type.Integer()),
      },
      { additionalProperties: false },
    ),
    // The agent’s own limits per channel ({}: each team’s defaults apply)
    limits: ChannelLimits,
    assignedToday: Type.Integer({
      description: 'Conversations the routing engine gave them on the workspace’s current day',
    }),
  },
  { additionalProperties: false },
);
export type AgentLoadView = Static<typeof AgentLoadView>;

export const QueuesOverview = Type.Object(
  {
    at: Timestamp,
    teams: Type.Array(TeamQueue, { description: 'Longest wait first' }),
    agents: Type.Array(AgentLoadView, { description: 'Members of the teams, most loaded first' }),
  },
  { additionalProperties: false },
);
export type QueuesOverview = Static<typeof QueuesOverview>;
