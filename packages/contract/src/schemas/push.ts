import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from './common.js';

export const VapidPublicKey = Type.Object(
  {
    publicKey: Type.String({
      description:
        "The installation's VAPID public key (base64url): pass it as applicationServerKey to pushManager.subscribe()",
    }),
  },
  { additionalProperties: false },
);
export type VapidPublicKey = Static<typeof VapidPublicKey>;

const Base64Url = (min: number, max: number) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+=*$', minLength: min, maxLength: max });

export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 8, maxLength: 2048, description: "The push service's URL" }),
    keys: Type.Object(
      { p256dh: Base64Url(80, 100), auth: Base64Url(16, 32) },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description: "A browser's PushSubscription.toJSON() (without expirationTime)",
  },
);
export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;

export const PushSubscription = Type.Object(
  {
    id: Id,
    endpoint: Type.String(),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    lastSentAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type PushSubscription = Static<typeof PushSubscription>;
