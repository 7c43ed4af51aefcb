import { Type, type Static } from '@sinclair/typebox';
import { Id, Locale, Timestamp } from './common.js';

export const Role = Type.Union(
  [
    Type.Literal('owner'),
    Type.Literal('admin'),
    Type.Literal('manager'),
    Type.Literal('agent'),
    Type.Literal('collaborator'),
  ],
  { description: 'What a user may do in a workspace, from most to least' },
);
export type Role = Static<typeof Role>;
/** Roles from the most to the least powerful. */
export const roles = ['owner', 'admin', 'manager', 'agent', 'collaborator'] as const;

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 10, maxLength: 200 });

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 200 }),
    workspace: Type.Optional(
      Type.String({ description: 'Workspace slug; needed only when the email works in several' }),
    ),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const NotificationPreferences = Type.Object(
  {
    email: Type.Object(
      {
        assigned: Type.Boolean({
          description: 'Email me when a conversation is assigned to me (by someone else)',
        }),
        customerReplied: Type.Boolean({
          description: 'Email me when a customer replies on a conversation assigned to me',
        }),
        escalated: Type.Boolean({
          description: 'Email me when a conversation is escalated to a team I lead',
        }),
        slaWarning: Type.Boolean({
          description:
            'Email me when an SLA target of a conversation I hold or whose team I lead is close to breaking',
        }),
        slaBreached: Type.Boolean({
          description: 'Email me when such an SLA target broke',
        }),
      },
      { additionalProperties: false },
    ),
    push: Type.Object(
      {
        slaWarning: Type.Boolean({ description: 'Push SLA warnings to my browsers' }),
        slaBreached: Type.Boolean({ description: 'Push SLA breaches to my browsers' }),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description: 'What the user is told by email and Web Push; all on by default',
  },
);
export type NotificationPreferences = Static<typeof NotificationPreferences>;

export const User = Type.Object(
  {
    id: Id,
    email: Email,
    name: Type.String(),
    role: Role,
    status: Type.Union([Type.Literal('active'), Type.Literal('deactivated')]),
    locale: Locale,
    timeZone: Type.String(),
    notificationPreferences: NotificationPreferences,
    signature: Type.Union([Type.String(), Type.Null()], {
      description: 'Added under the user’s email replies, before the mailbox signature',
    }),
    avatarUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The profile picture (same-origin path; changes when the picture does)',
    }),
    twoFactorEnabled: Type.Optional(
      Type.Boolean({
        description: 'Whether their two-factor sign-in is on: in the people list, for admins only',
      }),
    ),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type User = Static<typeof User>;

export const Workspace = Type.Object(
  {
    id: Id,
    slug: Type.String(),
    name: Type.String(),
    defaultLocale: Locale,
    timeZone: Type.String(),
    ticketPrefix: Type.String(),
    reopenWindowDays: Type.Integer({
      description: 'A resolved conversation reopens on a customer reply within this many days',
    }),
    acknowledgementsEnabled: Type.Boolean({
      description: 'Customers get an automatic acknowledgement with their ticket number',
    }),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Workspace = Static<typeof Workspace>;

export const Me = Type.Object({
  user: User,
  workspace: Workspace,
  csrfToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Send as X-CSRF-Token on cookie-authenticated writes; null for token auth',
  }),
});
export type Me = Static<typeof Me>;

export const TwoFactorChallenge = Type.Object(
  {
    twoFactorRequired: Type.Literal(true),
    challengeToken: Type.String({
      description:
        'Send with a code to POST /auth/login/two-factor; works once, for 5 minutes, and dies after 5 wrong codes',
    }),
    expiresAt: Timestamp,
  },
  { additionalProperties: false },
);
export type TwoFactorChallenge = Static<typeof TwoFactorChallenge>;

export const TwoFactorCode = Type.String({
  minLength: 6,
  maxLength: 40,
  description:
    'The 6-digit code of the authenticator app, or one of the recovery codes (each works once)',
});

export const TwoFactorLoginBody = Type.Object(
  { challengeToken: Type.String({ minLength: 1, maxLength: 200 }), code: TwoFactorCode },
  { additionalProperties: false },
);
export type TwoFactorLoginBody = Static<typeof TwoFactorLoginBody>;

export const TwoFactorStatus = Type.Object(
  {
    enabled: Type.Boolean(),
    enabledAt: Type.Union([Timestamp, Type.Null()]),
    recoveryCodesLeft: Type.Integer({ description: 'Unused recovery codes' }),
  },
  { additionalProperties: false },
);
export type TwoFactorStatus = Static<typeof TwoFactorStatus>;

export const TwoFactorSetup = Type.Object(
  {
    secret: Type.String({ description: 'Base32, for typing into the app by hand; shown once' }),
    uri: Type.String({ description: 'The otpauth:// URI (TOTP, SHA1, 6 digits, 30 s)' }),
    qrSvg: Type.String({ description: 'The URI as a QR code (SVG markup)' }),
  },
  { additionalProperties: false },
);
export type TwoFactorSetup = Static<typeof TwoFactorSetup>;

export const TwoFactorEnableBody = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: 200 }),
    code: Type.String({ minLength: 6, maxLength: 20, description: 'A current 6-digit code' }),
  },
  { additionalProperties: false },
);
export type TwoFactorEnableBody = Static<typeof TwoFactorEnableBody>;

export const TwoFactorDisableBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 200 }), code: TwoFactorCode },
  { additionalProperties: false },
);
export type TwoFactorDisableBody = Static<typeof TwoFactorDisableBody>;

export const RecoveryCodesBody = Type.Object(
  { code: TwoFactorCode },
  { additionalProperties: false },
);
export type RecoveryCodesBody = Static<typeof RecoveryCodesBody>;

export const RecoveryCodes = Type.Object(
  {
    recoveryCodes: Type.Array(Type.String(), {
      description: 'Shown once: each signs in once instead of a code; only hashes are kept',
    }),
  },
  { additionalProperties: false },
);
export type RecoveryCodes = Static<typeof RecoveryCodes>;

export const PasswordChangeBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password },
  { additionalProperties: false },
);
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const PasswordResetRequestBody = Type.Object(
  {
    email: Email,
    workspace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Workspace slug; without it every workspace where the email works gets its own link',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PasswordResetRequestBody = Static<typeof PasswordResetRequestBody>;

export const PasswordResetConfirmBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'From the emailed link' }),
    password: Password,
  },
  { additionalProperties: false },
);
export type PasswordResetConfirmBody = Static<typeof PasswordResetConfirmBody>;

export const AvatarBody = Type.Object(
  {
    dataUrl: Type.String({
      maxLength: 400_000,
      pattern: '^data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$',
      description: 'A PNG, JPEG or WebP picture of at most 256 KB as a data: URL',
    }),
  },
  { additionalProperties: false },
);
export type AvatarBody = Static<typeof AvatarBody>;

export const TokenScope = Type.Union(
  [Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')],
  {
    description:
      'read: GET only; write: changes; admin: workspace administration (if the user may)',
  },
);
export type TokenScope = Static<typeof TokenScope>;

export const ApiToken = Type.Object(
  {
    id: Id,
    name: Type.String(),
    scopes: Type.Array(TokenScope),
    prefix: Type.String({ description: 'First characters, to recognise the token' }),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
    expiresAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type ApiToken = Static<typeof ApiToken>;

export const TokenCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Optional(Type.Array(TokenScope, { minItems: 1, uniqueItems: true })),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type TokenCreateBody = Static<typeof TokenCreateBody>;

export const TokenCreated = Type.Composite([
  ApiToken,
  Type.Object({ token: Type.String({ description: 'Shown once; store it now' }) }),
]);
export type TokenCreated = Static<typeof TokenCreated>;
