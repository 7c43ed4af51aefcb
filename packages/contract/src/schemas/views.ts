import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';
import { ConversationFilters, ConversationSort } from './conversations.js';

export const ViewVisibility = Type.Union(
  [Type.Literal('private'), Type.Literal('team'), Type.Literal('workspace')],
  {
    description:
      'private: only its owner; team: the members of `teamId` (and its owner); workspace: everyone. Sharing with the workspace needs a manager or above; with a team, a manager or a lead of that team; editing a shared view, the same',
  },
);
export type ViewVisibility = Static<typeof ViewVisibility>;

export const SavedView = Type.Object(
  {
    id: Id,
    name: Type.String(),
    ownerId: Id,
    visibility: ViewVisibility,
    teamId: Type.Union([Id, Type.Null()], { description: 'The team a team view is shared with' }),
    filters: ConversationFilters,
    sort: Type.Union([ConversationSort, Type.Null()]),
    position: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type SavedView = Static<typeof SavedView>;

export const SavedViewCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    visibility: Type.Optional(ViewVisibility),
    teamId: Type.Optional(Id),
    filters: ConversationFilters,
    sort: Type.Optional(ConversationSort),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type SavedViewCreateBody = Static<typeof SavedViewCreateBody>;

export const SavedViewUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    visibility: Type.Optional(ViewVisibility),
    teamId: Type.Optional(Type.Union([Id, Type.Null()])),
    filters: Type.Optional(ConversationFilters),
    sort: Type.Optional(Type.Union([ConversationSort, Type.Null()])),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SavedViewUpdateBody = Static<typeof SavedViewUpdateBody>;

export const ViewCount = Type.Object(
  {
    id: Type.String({ description: 'A saved view id, or a built-in view name' }),
    count: Type.Integer(),
    approximate: Type.Boolean({
      description: 'true: more than the exact-count limit; count is the planner estimate',
    }),
  },
  { additionalProperties: false },
);
export type ViewCount = Static<typeof ViewCount>;

export const ViewCounts = Type.Object({ data: Type.Array(ViewCount) });
export type ViewCounts = Static<typeof ViewCounts>;

export const ViewConversationsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ViewConversationsQuery = Static<typeof ViewConversationsQuery>;
