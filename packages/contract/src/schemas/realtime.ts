import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';
import type { Message } from './conversations.js';

/**
 * The realtime protocol: one WebSocket per client at `/api/v1/realtime`, JSON text frames.
 * Frames from the client are validated against `ClientFrame`; anything else closes the
 * socket (see `RealtimeClose`).
 */

/** The largest frame a client may send, in bytes. */
export const MAX_CLIENT_FRAME = 16 * 1024;

/** Close codes the server uses. */
export const RealtimeClose = {
  /** The server is shutting down; reconnect with backoff. */
  goingAway: 1001,
  /** A binary frame. */
  unsupportedData: 1003,
  /** Not JSON. */
  invalidPayload: 1007,
  /** Valid JSON that is not a known frame, or a frame the principal may not send. */
  policyViolation: 1008,
  /** Larger than `MAX_CLIENT_FRAME`. */
  tooBig: 1009,
  /** The session or visitor token ended (signed out, revoked, deactivated). */
  sessionEnded: 4401,
} as const;

const ConversationRef = { conversationId: Id };

export const Composing = Type.Union([Type.Literal('reply'), Type.Literal('note'), Type.Null()], {
  description: 'What the person is writing in the conversation, or null when they stopped',
});
export type Composing = Static<typeof Composing>;

export const ClientFrame = Type.Union([
  Type.Object(
    {
      type: Type.Literal('subscribe'),
      ...ConversationRef,
      afterSeq: Type.Optional(
        Type.Integer({
          minimum: 0,
          description:
            'The last message sequence the client has; the server sends every later message once, in order. Without it, only messages from now on.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('unsubscribe'), ...ConversationRef },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('composing'), ...ConversationRef, composing: Composing },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('presence'),
      presence: Type.Union([Type.Literal('online'), Type.Literal('away')], {
        description: 'From the agent app: online when active, away when idle',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('seen'),
      ...ConversationRef,
      seq: Type.Integer({
        minimum: 0,
        description:
          'The agent has the conversation on screen up to this message: chat customers see theirs read',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false }),
]);
export type ClientFrame = Static<typeof ClientFrame>;

export const Viewer = Type.Object(
  {
    userId: Id,
    kind: Type.Union([Type.Literal('agent'), Type.Literal('customer')], {
      description:
        'A colleague, or the customer in the live-chat widget (userId is then their contact id)',
    }),
    name: Type.String(),
    composing: Composing,
  },
  { additionalProperties: false },
);
export type Viewer = Static<typeof Viewer>;

/** A domain event as the agent app receives it (the workspace's own, broadcast ones). */
export const RealtimeEvent = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  aggregateType: Type.String(),
  aggregateId: Type.String(),
  data: Type.Unknown(),
  createdAt: Timestamp,
});
export type RealtimeEvent = Static<typeof RealtimeEvent>;

export type ServerFrame =
  | { type: 'ready'; connectionId: string; userId: string | null }
  | { type: 'subscribed'; conversationId: string; lastSeq: number }
  | { type: 'message'; conversationId: string; message: Message }
  | {
      type: 'message_status';
      conversationId: string;
      messageId: string;
      seq: number;
      deliveryStatus: string;
      deliveryError?: string;
    }
  | { type: 'viewers'; conversationId: string; viewers: Viewer[] }
  | { type: 'event'; event: RealtimeEvent }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string; conversationId?: string };
