import { Type, type Static } from '@sinclair/typebox';
import { Email } from './auth.js';
import { Id, Timestamp } from './common.js';
import { ConversationStatus, MAX_TEXT } from './conversations.js';

/** The live-chat widget: public settings, visitors, messages, the offline form. */

export const PrechatField = Type.Union(
  [Type.Literal('name'), Type.Literal('email'), Type.Literal('phone'), Type.Literal('topic')],
  { description: 'A field the pre-chat form asks for' },
);
export type PrechatField = Static<typeof PrechatField>;

export const WidgetSettings = Type.Object(
  {
    publicKey: Type.String({ description: 'Goes in the embed snippet; not a secret' }),
    enabled: Type.Boolean(),
    title: Type.String({ maxLength: 80 }),
    color: Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }),
    greeting: Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
      description: 'Per language (en, pl, sv, fa, zh); `en` is the fallback',
    }),
    prechat: Type.Object(
      {
        enabled: Type.Boolean(),
        fields: Type.Array(PrechatField, { maxItems: 4, uniqueItems: true }),
        required: Type.Array(PrechatField, { maxItems: 4, uniqueItems: true }),
      },
      { additionalProperties: false },
    ),
    teamId: Type.Union([Id, Type.Null()], {
      description: 'Whose availability decides between chat and the offline form',
    }),
    identityVerification: Type.Boolean({
      description: 'A secret exists: host pages may pass a signed user id (HMAC-SHA256)',
    }),
  },
  { additionalProperties: false },
);
export type WidgetSettings = Static<typeof WidgetSettings>;

export const WidgetSettingsUpdate = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    greeting: Type.Optional(
      Type.Record(Type.String({ pattern: '^(en|pl|sv|fa|zh)$' }), Type.String({ maxLength: 500 })),
    ),
    prechat: Type.Optional(WidgetSettings.properties.prechat),
    teamId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);
export type WidgetSettingsUpdate = Static<typeof WidgetSettingsUpdate>;

export const WidgetIdentitySecret = Type.Object(
  {
    secret: Type.String({
      description:
        'Shown once. The host computes hex(HMAC-SHA256(secret, userId)) on its server and passes it as userHash',
    }),
  },
  { additionalProperties: false },
);

/** What the widget loads before it shows anything (public, by public key). */
export const WidgetConfig = Type.Object(
  {
    title: Type.String(),
    color: Type.String(),
    greeting: Type.Record(Type.String(), Type.String()),
    prechat: WidgetSettings.properties.prechat,
    online: Type.Boolean({
      description: 'Someone in the team can chat now; else the offline form',
    }),
  },
  { additionalProperties: false },
);
export type WidgetConfig = Static<typeof WidgetConfig>;

export const VisitorCreateBody = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    userHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  },
  { additionalProperties: false },
);
export type VisitorCreateBody = Static<typeof VisitorCreateBody>;

export const VisitorSession = Type.Object(
  {
    visitorToken: Type.String({ description: 'Bearer credential of this visitor; keep it' }),
    verified: Type.Boolean({ description: 'Bound to the host site’s signed user id' }),
  },
  { additionalProperties: false },
);
export type VisitorSession = Static<typeof VisitorSession>;

export const Prechat = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Email),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type Prechat = Static<typeof Prechat>;

export { WIDGET_UPLOAD_MAX_BYTES, WIDGET_UPLOAD_TYPES } from '../widget-limits.js';

export const VisitorUpload = Type.Object(
  {
    upload: Type.String({
      description: 'Names the stored file in a message’s `attachments`; good for this visitor only',
    }),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
  },
  { additionalProperties: false },
);
export type VisitorUpload = Static<typeof VisitorUpload>;

export const VisitorMessageBody = Type.Object(
  {
    clientMessageId: Type.String({
      pattern: '^[A-Za-z0-9_-]{8,64}$',
      description: 'Made by the client; a resend with the same id is stored once',
    }),
    conversationId: Type.Optional(Id),
    text: Type.String({ maxLength: MAX_TEXT, description: 'May be empty when files are attached' }),
    attachments: Type.Optional(
      Type.Array(Type.String({ maxLength: 1000 }), {
        maxItems: 5,
        description: 'The `upload` values of files uploaded first',
      }),
    ),
    prechat: Type.Optional(Prechat),
    locale: Type.Optional(Type.String({ maxLength: 10 })),
  },
  { additionalProperties: false },
);
export type VisitorMessageBody = Static<typeof VisitorMessageBody>;

/** A message as the visitor sees it (no notes, no internal metadata). */
export const VisitorMessage = Type.Object(
  {
    id: Id,
    seq: Type.Integer(),
    from: Type.Union([Type.Literal('visitor'), Type.Literal('agent'), Type.Literal('bot')]),
    authorName: Type.Union([Type.String(), Type.Null()]),
    text: Type.String(),
    attachments: Type.Array(
      Type.Object(
        {
          filename: Type.String(),
          contentType: Type.String(),
          size: Type.Integer(),
          url: Type.String({ description: 'A signed link, good without a login' }),
        },
        { additionalProperties: false },
      ),
    ),
    deliveryStatus: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type VisitorMessage = Static<typeof VisitorMessage>;

export const VisitorConversation = Type.Object(
  {
    id: Id,
    displayNumber: Type.String(),
    status: ConversationStatus,
    messages: Type.Array(VisitorMessage),
  },
  { additionalProperties: false },
);
export type VisitorConversation = Static<typeof VisitorConversation>;

export const VisitorMessageResult = Type.Object(
  {
    conversationId: Id,
    displayNumber: Type.String(),
    message: VisitorMessage,
    duplicate: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type VisitorMessageResult = Static<typeof VisitorMessageResult>;

export const OfflineBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('message'), Type.Literal('callback')]),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Email),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
    text: Type.Optional(Type.String({ maxLength: MAX_TEXT })),
    preferredTime: Type.Optional(
      Type.String({ format: 'date-time', description: 'When to call back (callback only)' }),
    ),
    clientMessageId: VisitorMessageBody.properties.clientMessageId,
    locale: Type.Optional(Type.String({ maxLength: 10 })),
  },
  { additionalProperties: false },
);
export type OfflineBody = Static<typeof OfflineBody>;

export const OfflineResult = Type.Object(
  { conversationId: Id, displayNumber: Type.String() },
  { additionalProperties: false },
);
export type OfflineResult = Static<typeof OfflineResult>;

/** Frames a visitor's widget sends on `/api/v1/widget/realtime` (the first must be `auth`). */
export const VisitorFrame = Type.Union([
  Type.Object(
    { type: Type.Literal('auth'), token: Type.String({ maxLength: 500 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('subscribe'),
      conversationId: Id,
      afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('typing'), conversationId: Id, typing: Type.Boolean() },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('seen'),
      conversationId: Id,
      seq: Type.Integer({ minimum: 0 }),
      read: Type.Boolean({ description: 'Shown on screen (read), or only received (delivered)' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('send'), message: VisitorMessageBody },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false }),
]);
export type VisitorFrame = Static<typeof VisitorFrame>;

export type VisitorServerFrame =
  | { type: 'ready' }
  | { type: 'subscribed'; conversationId: string; lastSeq: number }
  | { type: 'message'; conversationId: string; message: VisitorMessage }
  | { type: 'ack'; clientMessageId: string; result: VisitorMessageResult }
  | { type: 'typing'; conversationId: string; name: string | null }
  | { type: 'status'; conversationId: string; status: string }
  | { type: 'message_status'; conversationId: string; messageId: string; deliveryStatus: string }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string; clientMessageId?: string };
