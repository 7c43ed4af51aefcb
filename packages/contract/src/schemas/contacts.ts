import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';
import { Conversation, IdentityKind } from './conversations.js';

export const Identity = Type.Object({ kind: IdentityKind, value: Type.String() });
export type Identity = Static<typeof Identity>;

/** Typed custom attributes of a contact or organization: flat, string/number/boolean/null values. */
export const CustomAttributes = Type.Record(
  Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,39}$' }),
  Type.Union([
    Type.String({ maxLength: 500 }),
    Type.Number(),
    Type.Boolean(),
    Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, uniqueItems: true }),
    Type.Null(),
  ]),
  {
    maxProperties: 50,
    additionalProperties: false,
    description:
      'Merged into the stored attributes; null removes one. Keys with a contact custom field are typed by it',
  },
);
export type CustomAttributes = Static<typeof CustomAttributes>;

export const Contact = Type.Object({
  id: Id,
  name: Type.Union([Type.String(), Type.Null()]),
  language: Type.Union([Type.String(), Type.Null()]),
  organizationId: Type.Union([Id, Type.Null()]),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  notes: Type.Union([Type.String(), Type.Null()]),
  identities: Type.Array(Identity),
  mergedIntoId: Type.Union([Id, Type.Null()], {
    description:
      'Set when this contact was merged: the contact that now holds its identities and conversations',
  }),
  createdAt: Timestamp,
});
export type Contact = Static<typeof Contact>;

export const ContactDetail = Type.Composite([
  Contact,
  Type.Object({
    conversations: Type.Array(Conversation, {
      description: 'The latest 100 conversations, latest activity first, on every channel',
    }),
    conversationsNextCursor: Type.Union([Type.String(), Type.Null()], {
      description:
        'More of them: `GET /conversations?contactId=<id>&cursor=<this>` (null when these are all)',
    }),
  }),
]);
export type ContactDetail = Static<typeof ContactDetail>;

export const ContactUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
    language: Type.Optional(
      Type.Union([Type.String({ minLength: 2, maxLength: 10 }), Type.Null()]),
    ),
    notes: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
    organizationId: Type.Optional(Type.Union([Id, Type.Null()])),
    attributes: Type.Optional(CustomAttributes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ContactUpdateBody = Static<typeof ContactUpdateBody>;

export const ContactListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    organizationId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type ContactListQuery = Static<typeof ContactListQuery>;

export const IdentityCreateBody = Type.Object(
  {
    kind: IdentityKind,
    value: Type.String({ minLength: 1, maxLength: 254 }),
    country: Type.Optional(
      Type.String({
        pattern: '^[A-Z]{2}$',
        description:
          'ISO 3166 country for a phone number written without its +country code (e.g. SE for 070-123 45 67)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IdentityCreateBody = Static<typeof IdentityCreateBody>;

export const ContactCreateBody = Type.Object(
  {
    identity: IdentityCreateBody,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 10 })),
    notes: Type.Optional(Type.String({ maxLength: 10_000 })),
    organizationId: Type.Optional(Id),
    attributes: Type.Optional(CustomAttributes),
  },
  {
    additionalProperties: false,
    description:
      'Find-or-create by identity: the contact who has it (returned as it is), else a new one with these details',
  },
);
export type ContactCreateBody = Static<typeof ContactCreateBody>;

export const IdentityParams = Type.Object(
  {
    id: Id,
    kind: IdentityKind,
    value: Type.String({
      minLength: 1,
      maxLength: 254,
      description: 'The identity as stored (URL-encoded: +48… is %2B48…)',
    }),
  },
  { additionalProperties: false },
);
export type IdentityParams = Static<typeof IdentityParams>;

export const ContactMergeBody = Type.Object(
  { into: Id },
  {
    additionalProperties: false,
    description: 'Merge this contact into `into`, which keeps everything of both',
  },
);
export type ContactMergeBody = Static<typeof ContactMergeBody>;
