import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';
import { Conversation, IdentityKind } from './conversations.js';

export const Identity = Type.Object({ kind: IdentityKind, value: Type.String() });

export const Contact = Type.Object({
  id: Id,
  name: Type.Union([Type.String(), Type.Null()]),
  language: Type.Union([Type.String(), Type.Null()]),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  notes: Type.Union([Type.String(), Type.Null()]),
  identities: Type.Array(Identity),
  createdAt: Timestamp,
});
export type Contact = Static<typeof Contact>;

export const ContactDetail = Type.Composite([
  Contact,
  Type.Object({
    conversations: Type.Array(Conversation, {
      description: 'Every conversation, latest first, on every channel',
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
    attributes: Type.Optional(
      Type.Record(
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
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ContactUpdateBody = Static<typeof ContactUpdateBody>;

export const ContactListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ContactListQuery = Static<typeof ContactListQuery>;
