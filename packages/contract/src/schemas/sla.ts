import { Type, type Static } from '@sinclair/typebox';
import { WeeklyHours } from './availability.js';
import { Id, Timestamp } from './common.js';
import { Channel, Priority } from './conversations.js';

// Calendars

const LocalDate = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  description: 'A local date, YYYY-MM-DD',
});

export const HolidaySource = Type.Object(
  {
    country: Type.String({
      pattern: '^[A-Z]{2}$',
      description: 'ISO 3166-1 alpha-2 country whose public holidays close the calendar (SE, PL…)',
    }),
    region: Type.Optional(
      Type.Union([Type.String({ pattern: '^[A-Z0-9]{1,3}$' }), Type.Null()], {
        description: 'A region or state of the country with holidays of its own (DE: BY…)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type HolidaySource = Static<typeof HolidaySource>;

const CalendarName = Type.String({ minLength: 1, maxLength: 100 });
const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone the hours are read in, e.g. Europe/Stockholm',
});
const ClosedDates = Type.Array(LocalDate, {
  maxItems: 500,
  description: 'Days of your own that are closed all day (company holidays)',
});

export const Calendar = Type.Object(
  {
    id: Id,
    name: Type.String(),
    timeZone: Type.String(),
    alwaysOpen: Type.Boolean({ description: '24/7: open around the clock (holidays still close)' }),
    weeklyHours: WeeklyHours,
    holidays: Type.Union([HolidaySource, Type.Null()]),
    closedDates: Type.Array(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Calendar = Static<typeof Calendar>;

export const CalendarCreateBody = Type.Object(
  {
    name: CalendarName,
    timeZone: TimeZone,
    alwaysOpen: Type.Optional(Type.Boolean({ default: false })),
    weeklyHours: Type.Optional(WeeklyHours),
    holidays: Type.Optional(Type.Union([HolidaySource, Type.Null()])),
    closedDates: Type.Optional(ClosedDates),
  },
  { additionalProperties: false },
);
export type CalendarCreateBody = Static<typeof CalendarCreateBody>;

export const CalendarUpdateBody = Type.Object(
  {
    name: Type.Optional(CalendarName),
    timeZone: Type.Optional(TimeZone),
    alwaysOpen: Type.Optional(Type.Boolean()),
    weeklyHours: Type.Optional(WeeklyHours),
    holidays: Type.Optional(Type.Union([HolidaySource, Type.Null()])),
    closedDates: Type.Optional(ClosedDates),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CalendarUpdateBody = Static<typeof CalendarUpdateBody>;

export const CalendarClosedDaysQuery = Type.Object(
  {
    year: Type.Optional(
      Type.Integer({ minimum: 1970, maximum: 2200, description: 'This year by default' }),
    ),
  },
  { additionalProperties: false },
);
export type CalendarClosedDaysQuery = Static<typeof CalendarClosedDaysQuery>;

export const CalendarClosedDays = Type.Object(
  {
    data: Type.Array(
      Type.Object(
        {
          date: Type.String(),
          name: Type.Union([Type.String(), Type.Null()]),
          source: Type.Union([Type.Literal('holiday'), Type.Literal('custom')]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { description: 'The days the calendar is closed all day in a year (public and custom)' },
);
export type CalendarClosedDays = Static<typeof CalendarClosedDays>;

// Policies

export const SlaTargetName = Type.Union(
  [Type.Literal('firstResponse'), Type.Literal('nextResponse'), Type.Literal('resolution')],
  {
    description:
      'firstResponse: the first agent reply; nextResponse: every agent reply after a customer message; resolution: resolved',
  },
);
export type SlaTargetName = Static<typeof SlaTargetName>;
export const slaTargetNames = ['firstResponse', 'nextResponse', 'resolution'] as const;

export const SlaTarget = Type.Object(
  {
    seconds: Type.Integer({ minimum: 60, maximum: 366 * 86_400 }),
    businessHours: Type.Boolean({
      description:
        "true: counted in the policy's calendar (or the team's); false: calendar time, around the clock",
      default: true,
    }),
  },
  { additionalProperties: false },
);
export type SlaTarget = Static<typeof SlaTarget>;

export const SlaTargets = Type.Object(
  {
    firstResponse: Type.Optional(SlaTarget),
    nextResponse: Type.Optional(SlaTarget),
    resolution: Type.Optional(SlaTarget),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SlaTargets = Static<typeof SlaTargets>;

const Words = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    minItems: 1,
    maxItems: 100,
    description,
  });

export const SlaConditions = Type.Object(
  {
    priorities: Type.Optional(Type.Array(Priority, { minItems: 1, maxItems: 4 })),
    channels: Type.Optional(Type.Array(Channel, { minItems: 1, maxItems: 8 })),
    teamIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100 })),
    categories: Type.Optional(Words('Any of these categories (case-insensitive)')),
    tags: Type.Optional(Words('Any of these tags (case-insensitive)')),
    organizationIds: Type.Optional(
      Type.Array(Id, { minItems: 1, maxItems: 100, description: "The contact's organization" }),
    ),
    contact: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }),
        Words('Accepted values'),
        {
          description:
            'Contact attributes, e.g. { tier: ["gold"], region: ["EU"] }: each named attribute has one of the values',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'Every condition given must hold; a policy without conditions applies to all',
  },
);
export type SlaConditions = Static<typeof SlaConditions>;

export const SlaEscalation = Type.Object(
  {
    on: Type.Union([Type.Literal('warning'), Type.Literal('breach')]),
    target: Type.Optional(SlaTargetName),
    raisePriority: Type.Optional(
      Type.Boolean({ description: 'One step up: low → normal → high → urgent' }),
    ),
    unassign: Type.Optional(Type.Boolean({ description: 'Back to the team queue' })),
    moveToTeamId: Type.Optional(Id),
  },
  { additionalProperties: false, description: 'What happens at a warning or a breach' },
);
export type SlaEscalation = Static<typeof SlaEscalation>;

const Percent = Type.Integer({ minimum: 1, maximum: 99 });

export const SlaPolicy = Type.Object(
  {
    id: Id,
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    position: Type.Integer(),
    enabled: Type.Boolean(),
    calendarId: Type.Union([Id, Type.Null()], {
      description: "null: the conversation team's calendar, else around the clock",
    }),
    conditions: SlaConditions,
    targets: SlaTargets,
    pauseOnHold: Type.Boolean({
      description: 'Clocks stop while on hold too (they always stop while pending)',
    }),
    warnAtPercent: Type.Array(Percent, {
      description: 'Warnings when this share of a target has elapsed',
    }),
    escalations: Type.Array(SlaEscalation),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type SlaPolicy = Static<typeof SlaPolicy>;

const policyFields = {
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  position: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Lower is tried first' }),
  ),
  enabled: Type.Optional(Type.Boolean()),
  calendarId: Type.Optional(Type.Union([Id, Type.Null()])),
  conditions: Type.Optional(SlaConditions),
  pauseOnHold: Type.Optional(Type.Boolean()),
  warnAtPercent: Type.Optional(Type.Array(Percent, { maxItems: 3 })),
  escalations: Type.Optional(Type.Array(SlaEscalation, { maxItems: 10 })),
};

export const SlaPolicyCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    targets: SlaTargets,
    ...policyFields,
  },
  { additionalProperties: false },
);
export type SlaPolicyCreateBody = Static<typeof SlaPolicyCreateBody>;

export const SlaPolicyUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targets: Type.Optional(SlaTargets),
    ...policyFields,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SlaPolicyUpdateBody = Static<typeof SlaPolicyUpdateBody>;

// A conversation's SLA

export const SlaTargetState = Type.Object(
  {
    target: SlaTargetName,
    seconds: Type.Integer(),
    businessHours: Type.Boolean(),
    startedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When this clock started (nextResponse: the customer message it answers)',
    }),
    dueAt: Type.Union([Timestamp, Type.Null()], { description: 'null while paused or met' }),
    metAt: Type.Union([Timestamp, Type.Null()]),
    breachedAt: Type.Union([Timestamp, Type.Null()]),
    paused: Type.Boolean(),
    elapsedSeconds: Type.Integer({ description: 'Counted so far (business time if so)' }),
  },
  { additionalProperties: false },
);
export type SlaTargetState = Static<typeof SlaTargetState>;

export const ConversationSla = Type.Object(
  {
    policy: Type.Union([
      Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    why: Type.Array(Type.String(), { description: 'The conditions that chose the policy' }),
    calendarId: Type.Union([Id, Type.Null()]),
    dueAt: Type.Union([Timestamp, Type.Null()], { description: 'The next due time of all' }),
    breachedAt: Type.Union([Timestamp, Type.Null()]),
    targets: Type.Array(SlaTargetState),
    evaluatedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type ConversationSla = Static<typeof ConversationSla>;

// Prediction

export const TeamSlaForecast = Type.Object(
  {
    teamId: Id,
    at: Timestamp,
    inputs: Type.Object(
      {
        queued: Type.Integer({
          description: 'Waiting in the team queue (new or open, unassigned)',
        }),
        availableAgents: Type.Integer({
          description: 'Members online, inside their hours and not absent, now',
        }),
        freeSlots: Type.Integer({
          description: 'Conversations the available agents can take at once (under their limits)',
        }),
        handlingSeconds: Type.Integer({
          description:
            'Median time from first response to resolution of the team’s conversations resolved in the last 7 days (15 min with fewer than 5)',
        }),
        handlingSamples: Type.Integer(),
        arrivalsPerHour: Type.Number({
          description: 'New conversations of the team, last 2 hours',
        }),
      },
      { additionalProperties: false },
    ),
    conversations: Type.Array(
      Type.Object(
        {
          id: Id,
          number: Type.Integer(),
          displayNumber: Type.String({ description: 'The number with the ticket prefix' }),
          subject: Type.String(),
          position: Type.Integer({ description: 'In the queue, from 0' }),
          expectedReachAt: Type.Union([Timestamp, Type.Null()], {
            description: 'When an agent is expected to reach it (null: nobody is available)',
          }),
          dueAt: Type.Union([Timestamp, Type.Null()]),
          atRisk: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
    staffing: Type.Union([
      Type.Object(
        {
          targetSeconds: Type.Integer({ description: 'The shortest first-response target' }),
          expectedAttainment: Type.Number({
            description: 'Erlang C: expected share answered within the target (0–1)',
          }),
          goal: Type.Number(),
          belowGoal: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  {
    additionalProperties: false,
    description:
      'Whether waiting conversations will breach before an agent can reach them, with the inputs',
  },
);
export type TeamSlaForecast = Static<typeof TeamSlaForecast>;

// Reports

export const SlaReportQuery = Type.Object(
  {
    from: Type.String({
      format: 'date-time',
      description: 'Conversations created from (included)',
    }),
    to: Type.String({ format: 'date-time', description: 'to (excluded)' }),
    groupBy: Type.Optional(
      Type.Union([Type.Literal('policy'), Type.Literal('team')], { default: 'policy' }),
    ),
  },
  { additionalProperties: false },
);
export type SlaReportQuery = Static<typeof SlaReportQuery>;

export const SlaReportTarget = Type.Object(
  {
    target: SlaTargetName,
    started: Type.Integer({ description: 'Clocks that ran' }),
    metOnTime: Type.Integer(),
    breached: Type.Integer(),
    attainment: Type.Union([Type.Number(), Type.Null()], {
      description: 'Met on time ÷ (met on time + breached); null when none is decided yet',
    }),
    medianSeconds: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Of the met ones, counted as the target counts (business time if so)',
    }),
    p90Seconds: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type SlaReportTarget = Static<typeof SlaReportTarget>;

export const SlaReport = Type.Object(
  {
    from: Timestamp,
    to: Timestamp,
    groupBy: Type.Union([Type.Literal('policy'), Type.Literal('team')]),
    data: Type.Array(
      Type.Object(
        {
          id: Type.Union([Id, Type.Null()], { description: 'The policy or team (null: no team)' }),
          name: Type.Union([Type.String(), Type.Null()]),
          targets: Type.Array(SlaReportTarget),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'SLA attainment per policy or team for conversations created in a period (next response: each conversation’s latest cycle)',
  },
);
export type SlaReport = Static<typeof SlaReport>;
