import { Type, type Static } from '@sinclair/typebox';
import { Id, Locale, Timestamp } from './common.js';
import { MAX_TEXT } from './conversations.js';

/**
 * The customer portal: a customer proves access to one ticket with a one-time code or
 * magic link sent through the channel, then reads its public messages and replies.
 */

export const PortalSlugParams = Type.Object(
  { slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'Workspace slug' }) },
  { additionalProperties: false },
);
export type PortalSlugParams = Static<typeof PortalSlugParams>;

export const PortalTicketParams = Type.Object(
  {
    slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'Workspace slug' }),
    number: Type.Integer({ minimum: 1, maximum: 999_999_999_999, description: 'Ticket number' }),
  },
  { additionalProperties: false },
);
export type PortalTicketParams = Static<typeof PortalTicketParams>;

/** `1042`, `"1042"`, `"#1042"` or with the workspace's prefix (`"PRL-1042"`). */
export const TicketReference = Type.Union(
  [
    Type.Integer({ minimum: 1, maximum: 999_999_999_999 }),
    Type.String({ minLength: 1, maxLength: 40 }),
  ],
  { description: 'The ticket number, with or without its prefix' },
);
export type TicketReference = Static<typeof TicketReference>;

export const PortalAccessBody = Type.Object(
  {
    ticket: TicketReference,
    contact: Type.String({
      minLength: 3,
      maxLength: 254,
      description:
        'The email address or phone number (international form) the ticket was opened with',
    }),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type PortalAccessBody = Static<typeof PortalAccessBody>;

export const PortalAccessAccepted = Type.Object(
  {
    status: Type.Literal('accepted'),
    message: Type.String(),
  },
  {
    description:
      'The same answer whether or not the ticket and contact match: if they do, a code and link are on their way',
  },
);
export type PortalAccessAccepted = Static<typeof PortalAccessAccepted>;

export const PortalVerifyBody = Type.Union(
  [
    Type.Object(
      { token: Type.String({ minLength: 20, maxLength: 200, description: 'From the magic link' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ticket: TicketReference,
        code: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code' }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'The magic-link token, or the ticket and the code' },
);
export type PortalVerifyBody = Static<typeof PortalVerifyBody>;

export const PortalTicketRef = Type.Object({
  number: Type.Integer(),
  displayNumber: Type.String({ description: 'With the workspace prefix: `#1042`' }),
});
export type PortalTicketRef = Static<typeof PortalTicketRef>;

export const PortalSession = Type.Object({
  token: Type.String({
    description:
      'Send as `Authorization: Bearer <token>`; also set as an httpOnly cookie scoped to the ticket',
  }),
  expiresAt: Timestamp,
  csrfToken: Type.String({
    description: 'Send as `X-CSRF-Token` on writes authenticated by the cookie',
  }),
  ticket: PortalTicketRef,
});
export type PortalSession = Static<typeof PortalSession>;

export const PortalStatus = Type.Union(
  [
    Type.Literal('received'),
    Type.Literal('in_progress'),
    Type.Literal('awaiting_your_reply'),
    Type.Literal('resolved'),
    Type.Literal('closed'),
  ],
  { description: 'The ticket status as a customer sees it' },
);
export type PortalStatus = Static<typeof PortalStatus>;

export const PortalMessage = Type.Object(
  {
    id: Id,
    from: Type.Union([Type.Literal('you'), Type.Literal('agent'), Type.Literal('automatic')]),
    authorName: Type.Union([Type.String(), Type.Null()], {
      description: "The agent's display name; null for your own and automatic messages",
    }),
    text: Type.String(),
    html: Type.Union([Type.String(), Type.Null()], { description: 'Sanitized HTML' }),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type PortalMessage = Static<typeof PortalMessage>;

export const PortalTicketQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,10}$', description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type PortalTicketQuery = Static<typeof PortalTicketQuery>;

export const PortalTicket = Type.Object(
  {
    number: Type.Integer(),
    displayNumber: Type.String(),
    subject: Type.String(),
    status: PortalStatus,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    expected: Type.Object(
      {
        firstResponseBy: Type.Union([Timestamp, Type.Null()]),
        resolutionBy: Type.Union([Timestamp, Type.Null()]),
      },
      {
        additionalProperties: false,
        description:
          'When the support team aims to answer and to resolve, from the SLA that applies (null: no target, met, or waiting on you); show it in the customer’s language and time zone',
      },
    ),
    csrfToken: Type.String(),
    messages: Type.Object({
      data: Type.Array(PortalMessage, {
        description: 'Oldest first; internal notes are never here',
      }),
      nextCursor: Type.Union([Type.String(), Type.Null()]),
    }),
  },
  { additionalProperties: false },
);
export type PortalTicket = Static<typeof PortalTicket>;

export const PortalReplyBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: MAX_TEXT }) },
  { additionalProperties: false },
);
export type PortalReplyBody = Static<typeof PortalReplyBody>;

export const PortalReplyCreated = Type.Object({
  message: PortalMessage,
  ticket: Type.Object({
    number: Type.Integer(),
    displayNumber: Type.String(),
    followUp: Type.Boolean({
      description:
        'The ticket was closed, so the reply opened a new ticket (its number is here; a confirmation with its link follows)',
    }),
  }),
});
export type PortalReplyCreated = Static<typeof PortalReplyCreated>;
