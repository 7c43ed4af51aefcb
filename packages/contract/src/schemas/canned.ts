import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';

/** The placeholders a canned response may use, filled from the conversation it goes into. */
export const cannedPlaceholders = [
  'customer',
  'customerFirstName',
  'email',
  'number',
  'subject',
  'agent',
  'agentFirstName',
  'workspace',
] as const;

export const CannedResponse = Type.Object(
  {
    id: Id,
    title: Type.String(),
    shortcut: Type.Union([Type.String(), Type.Null()]),
    language: Type.Union([Type.String(), Type.Null()]),
    body: Type.String(),
    shared: Type.Boolean({ description: 'Shared with the workspace, or your own' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type CannedResponse = Static<typeof CannedResponse>;

const fields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  shortcut: Type.Union([Type.String({ pattern: '^[a-z0-9_-]{1,40}$' }), Type.Null()]),
  language: Type.Union([Type.String({ pattern: '^(en|pl|sv|fa|zh)$' }), Type.Null()]),
  body: Type.String({
    minLength: 1,
    maxLength: 20_000,
    description: `Text with placeholders in braces: ${cannedPlaceholders.map((p) => `{${p}}`).join(', ')}`,
  }),
  shared: Type.Boolean({ description: 'Shared needs a manager; your own needs nothing' }),
};

export const CannedResponseCreateBody = Type.Object(
  {
    title: fields.title,
    body: fields.body,
    shortcut: Type.Optional(fields.shortcut),
    language: Type.Optional(fields.language),
    shared: Type.Optional(fields.shared),
  },
  { additionalProperties: false },
);
export type CannedResponseCreateBody = Static<typeof CannedResponseCreateBody>;

export const CannedResponseUpdateBody = Type.Partial(
  Type.Object({
    title: fields.title,
    body: fields.body,
    shortcut: fields.shortcut,
    language: fields.language,
  }),
  { additionalProperties: false, minProperties: 1 },
);
export type CannedResponseUpdateBody = Static<typeof CannedResponseUpdateBody>;

export const CannedResponseListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    language: Type.Optional(Type.String({ pattern: '^(en|pl|sv|fa|zh)$' })),
  },
  { additionalProperties: false },
);
export type CannedResponseListQuery = Static<typeof CannedResponseListQuery>;

export const CannedRenderBody = Type.Object(
  { conversationId: Id },
  { additionalProperties: false },
);

export const CannedRendered = Type.Object({ text: Type.String() }, { additionalProperties: false });
