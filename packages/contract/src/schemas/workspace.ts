import { Type, type Static } from '@sinclair/typebox';
import { Email, Password, Role } from './auth.js';
import { Id, Locale, Timestamp } from './common.js';

export const WorkspaceUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    defaultLocale: Type.Optional(Locale),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ticketPrefix: Type.Optional(Type.String({ maxLength: 10, pattern: '^[A-Za-z0-9#-]*$' })),
    reopenWindowDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    acknowledgementsEnabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WorkspaceUpdateBody = Static<typeof WorkspaceUpdateBody>;

export const UserUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    role: Type.Optional(Role),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('deactivated')])),
    locale: Type.Optional(Locale),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    signature: Type.Optional(
      Type.Union([Type.String({ maxLength: 5000 }), Type.Null()], {
        description: 'Only your own; null removes it',
      }),
    ),
    notificationPreferences: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(
            Type.Object(
              {
                assigned: Type.Optional(Type.Boolean()),
                customerReplied: Type.Optional(Type.Boolean()),
                escalated: Type.Optional(Type.Boolean()),
                slaWarning: Type.Optional(Type.Boolean()),
                slaBreached: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
          ),
          push: Type.Optional(
            Type.Object(
              {
                slaWarning: Type.Optional(Type.Boolean()),
                slaBreached: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
          ),
        },
        {
          additionalProperties: false,
          description: 'Only your own; the keys given are changed, the others kept',
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserUpdateBody = Static<typeof UserUpdateBody>;

export const UserListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 400, description: 'nextCursor of the page before (same sort)' }),
    ),
    role: Type.Optional(Role),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('deactivated')])),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Names or emails containing this (case-insensitive for Latin letters)',
      }),
    ),
    sort: Type.Optional(
      Type.Union([Type.Literal('created'), Type.Literal('name')], {
        default: 'created',
        description: 'created: oldest first (by id); name: by name, case-insensitive, then id',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;

export const InvitationCreateBody = Type.Object(
  {
    email: Email,
    role: Role,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  },
  { additionalProperties: false },
);
export type InvitationCreateBody = Static<typeof InvitationCreateBody>;

export const Invitation = Type.Object(
  {
    id: Id,
    email: Email,
    role: Role,
    createdAt: Timestamp,
    expiresAt: Timestamp,
    acceptedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type Invitation = Static<typeof Invitation>;

export const InvitationCreated = Type.Composite([
  Invitation,
  Type.Object({
    acceptUrl: Type.String({
      description: 'Link for the invitee; contains the secret, shown once',
    }),
  }),
]);
export type InvitationCreated = Static<typeof InvitationCreated>;

export const InvitationAcceptBody = Type.Object(
  {
    token: Type.String({ minLength: 10, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 120 }),
    password: Password,
    locale: Type.Optional(
      Type.Union(Locale.anyOf, {
        description:
          'The new user’s language (the agent app sends the one it shows); it applies at every sign-in',
      }),
    ),
  },
  { additionalProperties: false },
);
export type InvitationAcceptBody = Static<typeof InvitationAcceptBody>;

export const AcknowledgementTemplate = Type.Object(
  {
    locale: Locale,
    subject: Type.String(),
    body: Type.String(),
    customized: Type.Boolean({ description: 'false: the built-in text for this language' }),
    updatedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type AcknowledgementTemplate = Static<typeof AcknowledgementTemplate>;

export const AcknowledgementTemplateBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.String({
      minLength: 1,
      maxLength: 5000,
      description:
        'Placeholders: {greeting}, {name}, {number}, {subject}, {workspace}, {portalUrl}; {number} is required',
    }),
  },
  { additionalProperties: false },
);
export type AcknowledgementTemplateBody = Static<typeof AcknowledgementTemplateBody>;

export const LocaleParams = Type.Object({ locale: Locale }, { additionalProperties: false });
export type LocaleParams = Static<typeof LocaleParams>;
