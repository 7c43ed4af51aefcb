import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';

/** What a notification is about; the app words each in the reader's language. */
export const NotificationType = Type.Union(
  [
    Type.Literal('assigned'),
    Type.Literal('customer_replied'),
    Type.Literal('mentioned'),
    Type.Literal('escalated'),
    Type.Literal('sla_warning'),
    Type.Literal('sla_breached'),
  ],
  { description: 'assigned to you, the customer replied, you were mentioned, …' },
);
export type NotificationType = Static<typeof NotificationType>;

export const Notification = Type.Object(
  {
    id: Id,
    type: NotificationType,
    conversation: Type.Union([
      Type.Object(
        { id: Id, displayNumber: Type.String(), subject: Type.String() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    actor: Type.Union([
      Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    data: Type.Record(Type.String(), Type.Unknown()),
    read: Type.Boolean(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Notification = Static<typeof Notification>;

export const NotificationListQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean()),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type NotificationListQuery = Static<typeof NotificationListQuery>;

export const NotificationPage = Type.Object(
  {
    data: Type.Array(Notification),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
    unreadCount: Type.Integer(),
  },
  { additionalProperties: false },
);
export type NotificationPage = Static<typeof NotificationPage>;

export const NotificationReadBody = Type.Union(
  [
    Type.Object(
      { ids: Type.Array(Id, { minItems: 1, maxItems: 200 }) },
      { additionalProperties: false },
    ),
    Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
  ],
  { description: 'Mark some (ids) or all of your notifications read' },
);
export type NotificationReadBody = Static<typeof NotificationReadBody>;
