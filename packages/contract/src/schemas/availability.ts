import { Type, type Static } from '@sinclair/typebox';
import { Role } from './auth.js';
import { Id, Timestamp } from './common.js';
import { AgentSkill, ChannelLimits, Presence } from './teams.js';

export const PresenceBody = Type.Object({ presence: Presence }, { additionalProperties: false });
export type PresenceBody = Static<typeof PresenceBody>;

const Clock = Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' });

export const WorkInterval = Type.Object(
  { from: Clock, to: Clock },
  {
    additionalProperties: false,
    description:
      'Local wall-clock times, HH:MM. `to` at or before `from` runs past midnight into the next day (22:00–06:00); 00:00–24:00 is the whole day',
  },
);
export type WorkInterval = Static<typeof WorkInterval>;

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

export const WeeklyHours = Type.Object(
  Object.fromEntries(
    weekdays.map((d) => [d, Type.Optional(Type.Array(WorkInterval, { maxItems: 6 }))]),
  ),
  {
    additionalProperties: false,
    description: 'Working intervals per weekday; a day left out is off',
  },
);
export type WeeklyHours = Partial<Record<Weekday, WorkInterval[]>>;

export const Schedule = Type.Object(
  {
    timeZone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'IANA time zone, e.g. Europe/Warsaw',
    }),
    weeklyHours: WeeklyHours,
  },
  { additionalProperties: false },
);
export type Schedule = { timeZone: string; weeklyHours: WeeklyHours };

export const UnavailableReason = Type.Union(
  [
    Type.Literal('offline'),
    Type.Literal('away'),
    Type.Literal('outside_hours'),
    Type.Literal('absent'),
  ],
  { description: 'Why the agent cannot take work now' },
);
export type UnavailableReason = Static<typeof UnavailableReason>;

export const AgentCapacityBody = Type.Object(
  { limits: ChannelLimits },
  {
    additionalProperties: false,
    description: "The agent's own limits per channel (replaces them; {} falls back to the teams')",
  },
);
export type AgentCapacityBody = Static<typeof AgentCapacityBody>;

export const Absence = Type.Object(
  {
    id: Id,
    userId: Id,
    startsAt: Timestamp,
    endsAt: Timestamp,
    allDay: Type.Boolean({
      description: "Given as dates: whole days in the agent's time zone (end date included)",
    }),
    reason: Type.Union([Type.String(), Type.Null()]),
    delegateId: Type.Union([Id, Type.Null()]),
    handedBackAt: Type.Union([Timestamp, Type.Null()], {
      description: "When the agent's conversations were handed back for this absence",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Absence = Static<typeof Absence>;

const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const absenceTimes = {
  startsAt: Type.Optional(Type.String({ format: 'date-time' })),
  endsAt: Type.Optional(Type.String({ format: 'date-time' })),
  startDate: Type.Optional(DateOnly),
  endDate: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD, included' })),
  reason: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  delegateId: Type.Optional(
    Type.Union([Id, Type.Null()], {
      description: "Who takes the agent's conversations (an active user of the workspace)",
    }),
  ),
};

export const AbsenceCreateBody = Type.Object(
  {
    userId: Type.Optional(Id),
    ...absenceTimes,
  },
  {
    additionalProperties: false,
    description:
      'Either startsAt + endsAt (instants) or startDate + endDate (whole days). userId: yourself when left out; managers set anyone’s',
  },
);
export type AbsenceCreateBody = Static<typeof AbsenceCreateBody>;

export const AbsenceUpdateBody = Type.Object(absenceTimes, {
  additionalProperties: false,
  minProperties: 1,
});
export type AbsenceUpdateBody = Static<typeof AbsenceUpdateBody>;

export const AbsenceListQuery = Type.Object(
  {
    userId: Type.Optional(Id),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Absences ending after this' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Absences starting before this' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type AbsenceListQuery = Static<typeof AbsenceListQuery>;

export const Agent = Type.Object(
  {
    userId: Id,
    name: Type.String(),
    role: Role,
    presence: Presence,
    presenceChangedAt: Type.Union([Timestamp, Type.Null()]),
    schedule: Type.Union([Schedule, Type.Null()], {
      description: 'null: no working hours set (available whenever online)',
    }),
    capacity: Type.Object({ limits: ChannelLimits }, { additionalProperties: false }),
    skills: Type.Array(AgentSkill),
    teams: Type.Array(
      Type.Object(
        { teamId: Id, name: Type.String(), lead: Type.Boolean() },
        { additionalProperties: false },
      ),
    ),
    absences: Type.Array(Absence, { description: 'Current and upcoming absences' }),
    availableNow: Type.Boolean(),
    unavailableReason: Type.Union([UnavailableReason, Type.Null()]),
    load: Type.Object(
      {
        total: Type.Integer({ description: 'Conversations new or open assigned to the agent' }),
        byChannel: Type.Record(Type.String(), Type.Integer()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Agent = Static<typeof Agent>;
